package redressriver_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressriver "github.com/redress-go/redress/contrib/river"
	"github.com/redress-go/redress/retry"
)

// A Retrier is River's worker middleware and its retry policy at once.
// Here it is driven by hand, the way River drives it, for one job that
// fails with a TRANSIENT error on each delivery.
func ExampleNew() {
	policy := redress.MustNew(redress.WithRetry(
		retry.WithMaxAttempts(3),
		retry.WithBackoff(backoff.Exponential(time.Second, time.Minute)),
	))
	jobs := redressriver.New(policy)
	// In a service:
	//	river.NewClient(driver, &river.Config{
	//		Middleware:  []rivertype.Middleware{jobs},
	//		RetryPolicy: jobs,
	//		MaxAttempts: policy.Retry().MaxAttempts(),
	//		…
	//	})
	var _ river.ClientRetryPolicy = jobs
	var _ rivertype.Middleware = jobs

	work := func(context.Context) error { return classifier.MarkTransient(errors.New("upstream timed out")) }
	for attempt := 1; attempt <= 3; attempt++ {
		job := &rivertype.JobRow{ID: 42, Attempt: attempt, MaxAttempts: 3}
		start := time.Now()
		err := jobs.Work(context.Background(), job, work)
		var cancel *river.JobCancelError
		if errors.As(err, &cancel) {
			fmt.Printf("attempt %d: cancelled: %v\n", attempt, err)
			continue
		}
		next := jobs.NextRetry(job).Sub(start).Round(time.Second)
		fmt.Printf("attempt %d: retry in %v\n", attempt, next)
	}
	// Output:
	// attempt 1: retry in 1s
	// attempt 2: retry in 2s
	// attempt 3: cancelled: JobCancelError: redress: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (TRANSIENT): upstream timed out
}

// Invalid options never panic: every job fails with an error matching
// redress.ErrInvalidConfig, without running its work, and River keeps it
// on its default schedule until a fixed build runs it.
func ExampleRetrier_Err() {
	jobs := redressriver.New(redress.WithRetry(retry.WithMaxAttempts(0)))
	fmt.Println(errors.Is(jobs.Err(), redress.ErrInvalidConfig))

	err := jobs.Work(context.Background(), &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 25},
		func(context.Context) error { panic("not run") })
	fmt.Println(errors.Is(err, redress.ErrInvalidConfig))
	// Output:
	// true
	// true
}
