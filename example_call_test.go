package redress_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// WithReport tells a successful call's caller how it went: how many
// attempts it took and how long it slept, without an observer.
func ExampleWithReport() {
	policy := redress.MustNew(redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 200*time.Millisecond))))
	failures := 2
	op := func(context.Context) (string, error) {
		if failures > 0 {
			failures--
			return "", classifier.MarkTransient(errors.New("connection reset"))
		}
		return "ok", nil
	}
	var rep redress.Call
	v, err := redress.Execute(context.Background(), op, policy, redress.WithReport(&rep))
	fmt.Println(v, err)
	fmt.Printf("%d attempts, slept %v\n", rep.Attempts, rep.Slept)
	// Output:
	// ok <nil>
	// 3 attempts, slept 300ms
}

// A job queue redelivers a job and counts its attempts itself: each
// delivery runs one call, in defer mode, starting at the job's attempt
// number, so the delay it hands back keeps growing and the cap counts.
func ExampleWithFirstAttempt() {
	policy := redress.MustNew(redress.WithRetry(retry.WithDefer(true), retry.WithMaxAttempts(5),
		retry.WithBackoff(backoff.Exponential(time.Second, time.Hour))))
	work := func(context.Context) error { return classifier.MarkTransient(errors.New("upstream down")) }
	for attempt := 1; ; attempt++ { // what the queue would do, one delivery at a time
		err := redress.Do(context.Background(), work, policy, redress.WithFirstAttempt(attempt))
		var se *redress.StopError
		if errors.As(err, &se) && se.Reason == redress.StopScheduled {
			fmt.Printf("delivery %d failed: run again in %v\n", attempt, se.NextDelay)
			continue
		}
		fmt.Printf("delivery %d failed: %s\n", attempt, se.Reason)
		break
	}
	// Output:
	// delivery 1 failed: run again in 1s
	// delivery 2 failed: run again in 2s
	// delivery 3 failed: run again in 4s
	// delivery 4 failed: run again in 8s
	// delivery 5 failed: MAX_ATTEMPTS_GLOBAL
}

// An integration that brings its own classifier puts it under the
// caller's options: it is used unless the caller chose one.
func ExampleWithDefaultClassifier() {
	statusOf := classifier.Func(func(err error) classifier.Classification {
		return classifier.Classification{Class: classifier.Permanent} // say, a "not found" status
	})
	callers := []redress.Option{redress.WithOperation("lookup")} // no classifier of their own
	policy := redress.MustNew(append([]redress.Option{redress.WithDefaultClassifier(statusOf)}, callers...)...)
	calls := 0
	err := redress.Do(context.Background(), func(context.Context) error { calls++; return errors.New("not found") }, policy)
	fmt.Println(calls, err)
	// Output: 1 redress: lookup: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): not found
}

// Integrations that run a retry loop of their own (an SDK's retryer, a job
// queue) read the policy's parts.
func ExamplePolicy_Retry() {
	policy := redress.MustNew(redress.WithOperation("users.get"), redress.WithRetry(retry.WithMaxAttempts(3)))
	fmt.Println(policy.Operation(), policy.Retry().MaxAttempts(), policy.Deadline(), policy.Breaker() == nil)
	// Output: users.get 3 1m0s true
}
