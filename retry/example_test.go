package retry_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// The engine on its own: a queue consumer asks it what to do with a
// failed delivery.
func ExampleNew() {
	p, err := retry.New(
		retry.WithMaxAttempts(3),
		retry.WithBackoff(backoff.Exponential(time.Second, time.Minute)),
	)
	if err != nil {
		panic(err)
	}
	var tr retry.Tracker // one per message
	for n := 1; ; n++ {
		d := p.Decide(&tr, n, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline)
		if !d.Retry {
			fmt.Println("attempt", n, "failed: give up:", d.Reason)
			return
		}
		fmt.Println("attempt", n, "failed: redeliver in", d.Delay)
	}
	// Output:
	// attempt 1 failed: redeliver in 1s
	// attempt 2 failed: redeliver in 2s
	// attempt 3 failed: give up: MAX_ATTEMPTS_GLOBAL
}

func ExampleNew_invalid() {
	_, err := retry.New(retry.WithMaxAttempts(0))
	fmt.Println(err)
	fmt.Println(errors.Is(err, retry.ErrInvalidConfig))
	// Output:
	// retry.WithMaxAttempts: must be at least 1, got 0
	// true
}

func ExampleWithMaxAttemptsFor() {
	// Conflicts are worth two retries, whatever the global cap.
	p, _ := retry.New(retry.WithMaxAttemptsFor(classifier.Concurrency, 2), retry.WithBackoff(backoff.Constant(0)))
	var tr retry.Tracker
	conflict := classifier.Classification{Class: classifier.Concurrency}
	for n := 1; n <= 3; n++ {
		d := p.Decide(&tr, n, conflict, retry.NoDeadline)
		fmt.Println(n, d.Retry, string(d.Reason)+".")
	}
	// Output:
	// 1 true .
	// 2 true .
	// 3 false MAX_ATTEMPTS_PER_CLASS.
}

func ExampleWithBackoffFor() {
	p, _ := retry.New(
		retry.WithBackoff(backoff.Constant(time.Second)),
		retry.WithBackoffFor(classifier.ServerError, backoff.Constant(10*time.Second)),
	)
	for _, c := range []classifier.Class{classifier.Transient, classifier.ServerError} {
		var tr retry.Tracker
		d := p.Decide(&tr, 1, classifier.Classification{Class: c}, retry.NoDeadline)
		fmt.Println(c, d.Delay)
	}
	// Output:
	// TRANSIENT 1s
	// SERVER_ERROR 10s
}

func ExampleWithoutDefaultBackoff() {
	// Retry rate limits only; anything else stops at once.
	p, _ := retry.New(retry.WithoutDefaultBackoff(),
		retry.WithBackoffFor(classifier.RateLimit, backoff.Constant(time.Second)))
	var tr retry.Tracker
	d := p.Decide(&tr, 1, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline)
	fmt.Println(d.Retry, d.Reason)
	// Output: false NO_STRATEGY
}

func ExampleWithMaxRetryAfter() {
	// A server asking for a day's pause gets a minute, plus RetryAfterOr's
	// small jitter.
	p, _ := retry.New(retry.WithMaxRetryAfter(time.Minute))
	var tr retry.Tracker
	d := p.Decide(&tr, 1, classifier.Classification{Class: classifier.RateLimit, RetryAfter: 24 * time.Hour}, retry.NoDeadline)
	fmt.Println(d.Delay >= time.Minute && d.Delay <= time.Minute+backoff.RetryAfterJitter)
	// Output: true
}

func ExampleWithDefer() {
	p, _ := retry.New(retry.WithDefer(true), retry.WithBackoff(backoff.Constant(30*time.Second)))
	fmt.Println(p.Deferred())
	var tr retry.Tracker
	d := p.Decide(&tr, 1, classifier.Classification{Class: classifier.ServerError}, retry.NoDeadline)
	fmt.Println("reschedule in", d.Delay) // redress.Execute stops with SCHEDULED and this delay
	// Output:
	// true
	// reschedule in 30s
}

func ExamplePolicy_Decide_deadline() {
	p, _ := retry.New(retry.WithBackoff(backoff.Constant(5 * time.Second)))
	var tr retry.Tracker
	// Four seconds left: a five-second sleep would end past the deadline.
	d := p.Decide(&tr, 1, classifier.Classification{Class: classifier.Transient},
		retry.Window{Deadline: 4 * time.Second, Caller: retry.Forever})
	fmt.Println(d.Retry, d.Reason)
	// Output: false DEADLINE_EXCEEDED
}

func ExampleWithMaxUnknownAttempts() {
	p, _ := retry.New(retry.WithMaxUnknownAttempts(1), retry.WithBackoff(backoff.Constant(0)))
	var tr retry.Tracker
	odd := classifier.Classification{} // UNKNOWN
	fmt.Println(p.Decide(&tr, 1, odd, retry.NoDeadline).Retry)
	fmt.Println(p.Decide(&tr, 2, odd, retry.NoDeadline).Reason)
	// Output:
	// true
	// MAX_UNKNOWN_ATTEMPTS
}

func ExampleWithMaxAttempts() {
	p, _ := retry.New(retry.WithMaxAttempts(1)) // never retry
	var tr retry.Tracker
	fmt.Println(p.MaxAttempts(), p.Decide(&tr, 1, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline).Reason)
	// Output: 1 MAX_ATTEMPTS_GLOBAL
}

func ExampleWithBackoff() {
	p, _ := retry.New(retry.WithBackoff(backoff.Constant(250 * time.Millisecond)))
	var tr retry.Tracker
	fmt.Println(p.Decide(&tr, 1, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline).Delay)
	// Output: 250ms
}

// The root package reports the Retry-After the policy honours, capped.
func ExamplePolicy_MaxRetryAfter() {
	p, _ := retry.New(retry.WithMaxRetryAfter(time.Minute))
	asked := 24 * time.Hour
	fmt.Println("honoured:", min(asked, p.MaxRetryAfter()))
	// Output: honoured: 1m0s
}

// A 503 that says when to come back waits as the server asked, like a
// 429; one that does not backs off as usual.
func ExamplePolicy_Decide_serverErrorRetryAfter() {
	p, _ := retry.New(retry.WithBackoff(backoff.Constant(time.Second)))
	for _, after := range []time.Duration{0, 10 * time.Second} {
		var tr retry.Tracker
		d := p.Decide(&tr, 1, classifier.Classification{Class: classifier.ServerError, RetryAfter: after}, retry.NoDeadline)
		fmt.Println(d.Delay.Truncate(time.Second)) // a Retry-After gets up to 0.5 s of jitter
	}
	// Output:
	// 1s
	// 10s
}
