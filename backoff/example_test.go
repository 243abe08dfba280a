package backoff_test

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
)

// delays prints s's delays for attempts 1 to n, feeding each delay back as
// the next Input.Prev the way the retry policy does, rounded to the
// millisecond for reading.
func delays(s backoff.Strategy, n int) {
	var prev time.Duration
	for attempt := 1; attempt <= n; attempt++ {
		prev = s.Delay(backoff.Input{Attempt: attempt, Prev: prev})
		fmt.Println(attempt, prev.Round(time.Millisecond))
	}
}

func ExampleConstant() {
	delays(backoff.Constant(time.Second), 3)
	// Output:
	// 1 1s
	// 2 1s
	// 3 1s
}

func ExampleExponential() {
	delays(backoff.Exponential(100*time.Millisecond, time.Second), 6)
	// Output:
	// 1 100ms
	// 2 200ms
	// 3 400ms
	// 4 800ms
	// 5 1s
	// 6 1s
}

func ExampleExponential_normalised() {
	// A max below base counts as base; a negative base counts as 0.
	fmt.Println(backoff.Exponential(time.Second, 0).Delay(backoff.Input{Attempt: 5}))
	fmt.Println(backoff.Exponential(-time.Second, time.Minute).Delay(backoff.Input{Attempt: 5}))
	// Output:
	// 1s
	// 0s
}

func ExampleFullJitter() {
	// Uniform in [0, min(1s, 100ms·2^(attempt-1))].
	delays(backoff.FullJitter(100*time.Millisecond, time.Second, backoff.WithSeed(1)), 6)
	// Output:
	// 1 57ms
	// 2 149ms
	// 3 388ms
	// 4 355ms
	// 5 444ms
	// 6 763ms
}

func ExampleEqualJitter() {
	// Uniform in [temp/2, temp], temp = min(1s, 100ms·2^(attempt-1)).
	delays(backoff.EqualJitter(100*time.Millisecond, time.Second, backoff.WithSeed(1)), 6)
	// Output:
	// 1 78ms
	// 2 175ms
	// 3 394ms
	// 4 578ms
	// 5 722ms
	// 6 881ms
}

func ExampleDecorrelatedJitter() {
	// redress's default backoff: min(5s, uniform[250ms, 3·prev]).
	delays(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second, backoff.WithSeed(1)), 6)
	// Output:
	// 1 533ms
	// 2 1.257s
	// 3 3.668s
	// 4 5s
	// 5 5s
	// 6 5s
}

func ExampleToken() {
	// Uniform in [cap/2, cap], cap = min(10s, 1s·1.5^attempt).
	delays(backoff.Token(time.Second, 10*time.Second, backoff.WithSeed(1)), 6)
	// Output:
	// 1 1.175s
	// 2 1.964s
	// 3 3.326s
	// 4 3.656s
	// 5 5.484s
	// 6 8.814s
}

func ExampleRetryAfterOr() {
	s := backoff.RetryAfterOr(backoff.Exponential(time.Second, time.Minute), backoff.WithSeed(1))

	// The server said "Retry-After: 30": 30s plus up to 0.5s of jitter.
	limited := classifier.Classification{Class: classifier.RateLimit, RetryAfter: 30 * time.Second}
	fmt.Println(s.Delay(backoff.Input{Attempt: 1, Classification: limited}).Round(time.Millisecond))

	// It did not say: the fallback decides.
	fmt.Println(s.Delay(backoff.Input{Attempt: 3, Classification: classifier.Classification{Class: classifier.RateLimit}}))
	// Output:
	// 30.283s
	// 4s
}

func ExampleWithSeed() {
	a := backoff.FullJitter(time.Second, time.Minute, backoff.WithSeed(42))
	b := backoff.FullJitter(time.Second, time.Minute, backoff.WithSeed(42))
	for attempt := 1; attempt <= 3; attempt++ {
		in := backoff.Input{Attempt: attempt}
		da, db := a.Delay(in), b.Delay(in)
		fmt.Println(da, da == db)
	}
	// Output:
	// 741.564879ms true
	// 319.820785ms true
	// 1.114404521s true
}

func ExampleFunc() {
	// Linear backoff: one more second per attempt, never past the time left.
	linear := backoff.Func(func(in backoff.Input) time.Duration {
		return min(time.Duration(in.Attempt)*time.Second, in.Remaining)
	})
	fmt.Println(linear.Delay(backoff.Input{Attempt: 3, Remaining: time.Minute}))
	fmt.Println(linear.Delay(backoff.Input{Attempt: 3, Remaining: 2 * time.Second}))
	// Output:
	// 3s
	// 2s
}

func ExampleCapped() {
	// Bound a strategy written by hand: 1s, 4s, 9s, … but never over 5s.
	squares := backoff.Func(func(in backoff.Input) time.Duration {
		return time.Duration(in.Attempt*in.Attempt) * time.Second
	})
	delays(backoff.Capped(squares, 5*time.Second), 4)
	// Output:
	// 1 1s
	// 2 4s
	// 3 5s
	// 4 5s
}

// DelaySource tells a server's wait from the strategy's own: the retry
// policy uses it so that a Retry-After does not become Input.Prev.
func ExampleDelaySource() {
	s := backoff.RetryAfterOr(backoff.Constant(time.Second), backoff.WithSeed(1))
	limited := backoff.Input{Attempt: 1, Classification: classifier.Classification{
		Class: classifier.RateLimit, RetryAfter: 10 * time.Second}}
	d, fromServer := backoff.DelaySource(s, limited)
	fmt.Println(d.Truncate(time.Second), fromServer)
	d, fromServer = backoff.DelaySource(s, backoff.Input{Attempt: 1})
	fmt.Println(d, fromServer)
	// Output:
	// 10s true
	// 1s false
}
