package guides_test

// The code of docs/strategies.md (its copy of the Strategy interface is in
// copies_test.go).

import (
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

func TestStrategiesGuidePerClass(t *testing.T) {
	retry.WithBackoff(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second)) // every class without its own
	retry.WithBackoffFor(classifier.RateLimit, backoff.RetryAfterOr(backoff.FullJitter(time.Second, time.Minute)))
	retry.WithBackoffFor(classifier.Concurrency, backoff.FullJitter(10*time.Millisecond, 200*time.Millisecond))

	// The same options, validated.
	_, err := redress.New(redress.WithRetry(
		retry.WithBackoff(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second)),
		retry.WithBackoffFor(classifier.RateLimit, backoff.RetryAfterOr(backoff.FullJitter(time.Second, time.Minute))),
		retry.WithBackoffFor(classifier.Concurrency, backoff.FullJitter(10*time.Millisecond, 200*time.Millisecond)),
	))
	if err != nil {
		t.Fatal(err)
	}
}

func TestStrategiesGuideSeed(t *testing.T) {
	a := backoff.FullJitter(time.Second, time.Minute, backoff.WithSeed(42))
	b := backoff.FullJitter(time.Second, time.Minute, backoff.WithSeed(42))
	// a and b return the same delays for the same sequence of Inputs.
	for attempt := 1; attempt <= 20; attempt++ {
		in := backoff.Input{Attempt: attempt, Remaining: time.Hour}
		if da, db := a.Delay(in), b.Delay(in); da != db {
			t.Fatalf("attempt %d: %v and %v", attempt, da, db)
		}
	}
}

func TestStrategiesGuideFunc(t *testing.T) {
	// Linear backoff: one more second per attempt, never past the time left.
	linear := backoff.Func(func(in backoff.Input) time.Duration {
		return min(time.Duration(in.Attempt)*time.Second, in.Remaining)
	})
	var got []time.Duration
	for _, in := range []backoff.Input{{Attempt: 1, Remaining: time.Hour}, {Attempt: 3, Remaining: time.Hour}, {Attempt: 3, Remaining: 2 * time.Second}} {
		got = append(got, linear.Delay(in))
	}
	want := []time.Duration{time.Second, 3 * time.Second, 2 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("delays = %v, want %v", got, want)
			break
		}
	}
}
