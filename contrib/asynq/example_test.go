package redressasynq_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressasynq "github.com/redress-go/redress/contrib/asynq"
	"github.com/redress-go/redress/retry"
)

// A Retrier is asynq's middleware, retry delay function and failure
// predicate. Here a handler is run through it by hand, the way an asynq
// server runs a task's first delivery.
func ExampleNew() {
	policy := redress.MustNew(redress.WithRetry(
		retry.WithMaxAttempts(3),
		retry.WithBackoff(backoff.Exponential(time.Second, time.Minute)),
	))
	jobs := redressasynq.New(policy)
	// In a service:
	//	srv := asynq.NewServer(redisOpt, asynq.Config{
	//		RetryDelayFunc: jobs.RetryDelay,
	//		IsFailure:      jobs.IsFailure,
	//	})
	//	mux.Use(jobs.Middleware)
	//	client.Enqueue(task, asynq.MaxRetry(policy.Retry().MaxAttempts()-1))
	var _ asynq.MiddlewareFunc = jobs.Middleware
	var _ asynq.RetryDelayFunc = jobs.RetryDelay

	task := asynq.NewTask("email:send", nil)
	run := func(h asynq.HandlerFunc) error { return jobs.Middleware(h).ProcessTask(context.Background(), task) }

	err := run(func(context.Context, *asynq.Task) error {
		return classifier.MarkTransient(errors.New("smtp timed out"))
	})
	fmt.Printf("transient: retry in %v, failure %v\n", jobs.RetryDelay(0, err, task), jobs.IsFailure(err))

	err = run(func(context.Context, *asynq.Task) error {
		return classifier.MarkRateLimited(errors.New("429"), 20*time.Second)
	})
	fmt.Printf("rate limited: retry in %v, failure %v\n", jobs.RetryDelay(0, err, task).Truncate(20*time.Second), jobs.IsFailure(err))

	err = run(func(context.Context, *asynq.Task) error {
		return classifier.MarkPermanent(errors.New("no such mailbox"))
	})
	fmt.Printf("permanent: archived %v\n", errors.Is(err, asynq.SkipRetry))
	// Output:
	// transient: retry in 1s, failure true
	// rate limited: retry in 20s, failure false
	// permanent: archived true
}

// Invalid options never panic: every task fails with an error matching
// redress.ErrInvalidConfig, without running its handler, and asynq keeps
// retrying it on its default schedule until a fixed build runs it.
func ExampleRetrier_Err() {
	jobs := redressasynq.New(redress.WithRetry(retry.WithMaxAttempts(0)))
	fmt.Println(errors.Is(jobs.Err(), redress.ErrInvalidConfig))

	err := jobs.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { panic("not run") })).
		ProcessTask(context.Background(), asynq.NewTask("email:send", nil))
	fmt.Println(errors.Is(err, redress.ErrInvalidConfig), errors.Is(err, asynq.SkipRetry))
	// Output:
	// true
	// true false
}
