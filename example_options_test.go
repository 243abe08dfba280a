package redress_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// A package-level policy: its options are fixed, so MustNew's panic can
// only come from a programming error.
var usersPolicy = redress.MustNew(
	redress.WithOperation("users.get"),
	redress.WithRetry(retry.WithMaxAttempts(3)),
)

func ExampleMustNew() {
	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkPermanent(errors.New("no such user"))
	}, usersPolicy)
	fmt.Println(err)
	// Output: redress: users.get: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): no such user
}

func ExampleWithBreaker() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithFailureThreshold(2), breaker.WithClock(clk))
	policy := redress.MustNew(redress.WithBreaker(br), redress.WithClock(clk),
		redress.WithRetry(retry.WithMaxAttempts(1)))
	down := func(context.Context) error { return classifier.MarkTransient(errors.New("down")) }

	for i := 1; i <= 3; i++ {
		err := redress.Do(context.Background(), down, policy)
		fmt.Println(i, errors.Is(err, breaker.ErrOpen), br.State())
	}
	// Output:
	// 1 false closed
	// 2 false open
	// 3 true open
}

func ExampleWithBudget() {
	bud := budget.New(1, time.Minute) // one retry a minute, shared by every call
	policy := redress.MustNew(redress.WithBudget(bud),
		redress.WithRetry(retry.WithBackoff(backoff.Constant(0))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	down := func(context.Context) error { return classifier.MarkTransient(errors.New("down")) }

	err := redress.Do(context.Background(), down, policy)
	var se *redress.StopError
	errors.As(err, &se)
	fmt.Println(se.Reason, se.Attempts, errors.Is(err, budget.ErrExhausted), bud.Remaining())
	// Output: BUDGET_EXHAUSTED 2 true 0
}

func ExampleWithDeadline() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkTransient(errors.New("busy"))
	}, redress.WithDeadline(10*time.Second), redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(backoff.Constant(4*time.Second))))

	var se *redress.StopError
	errors.As(err, &se)
	// Sleeps end at 4s and 8s; one more would end at 12s, past the deadline.
	fmt.Println(se.Reason, se.Attempts, clk.Sleeps())
	// Output: DEADLINE_EXCEEDED 3 [4s 4s]
}

func ExampleWithoutDeadline() {
	policy := redress.MustNew(redress.WithoutDeadline())
	var hasDeadline bool
	redress.Do(context.Background(), func(ctx context.Context) error {
		_, hasDeadline = ctx.Deadline()
		return nil
	}, policy)
	fmt.Println(hasDeadline)
	// Output: false
}

func ExampleWithAttemptTimeout() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	var deadline time.Time
	redress.Do(context.Background(), func(ctx context.Context) error {
		deadline, _ = ctx.Deadline()
		return nil
	}, redress.WithAttemptTimeout(2*time.Second), redress.WithClock(clk))
	fmt.Println(deadline.Sub(clk.Now()))
	// Output: 2s
}

func ExampleWithClassifier() {
	errLocked := errors.New("row locked")
	mine := classifier.Func(func(err error) classifier.Classification {
		if errors.Is(err, errLocked) {
			return classifier.Classification{Class: classifier.Concurrency}
		}
		return classifier.Classification{}
	})
	calls := 0
	err := redress.Do(context.Background(), func(context.Context) error {
		calls++
		if calls < 3 {
			return errLocked
		}
		return nil
	}, redress.WithClassifier(classifier.Chain(mine, classifier.Default)),
		redress.WithRetry(retry.WithMaxUnknownAttempts(0)), // UNKNOWN is not retried
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	fmt.Println(err, calls)
	// Output: <nil> 3
}

func ExampleWithOperation() {
	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkPermanent(errors.New("bad request"))
	}, redress.WithOperation("orders.create"))
	fmt.Println(err)
	// Output: redress: orders.create: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): bad request
}

func ExampleWithObserver() {
	api := &flakyAPI{failures: 2}
	redress.Execute(context.Background(), func(ctx context.Context) (User, error) { return api.User(ctx, 1) },
		redress.WithObserver(redress.ObserverFunc(func(_ context.Context, e redress.Event) {
			fmt.Println(e.Name, e.Attempt, e.Class, e.Sleep)
		})),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	// Output:
	// retry 1 TRANSIENT 1s
	// retry 2 TRANSIENT 2s
	// success 3 UNKNOWN 0s
}

func ExampleWithRetry() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkTransient(errors.New("down"))
	}, redress.WithClock(clk), redress.WithRetry(
		retry.WithMaxAttempts(4),
		retry.WithBackoff(backoff.Exponential(100*time.Millisecond, time.Second)),
	))
	fmt.Println(clk.Sleeps())
	fmt.Println(err)
	// Output:
	// [100ms 200ms 400ms]
	// redress: MAX_ATTEMPTS_GLOBAL after 4 attempts: last error (TRANSIENT): down
}
