package redress_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
	"github.com/redress-go/redress/throttle"
)

// A call middleware runs once per call, around every stage: here it logs
// the call's attempts and stop reason, as a tracing span would record them.
func ExampleWithCallMiddleware() {
	span := func(next redress.CallHandler) redress.CallHandler {
		return func(ctx context.Context, c *redress.Call) error {
			fmt.Println("start", c.Operation)
			err := next(ctx, c)
			fmt.Printf("end %s: %d attempts, stop reason %q, error %v\n", c.Operation, c.Attempts, c.StopReason, err != nil)
			return err
		}
	}
	op := redresstest.FailTimes(2, classifier.MarkTransient(errors.New("reset")), "ok")
	v, err := redress.Execute(context.Background(), op.Call,
		redress.WithOperation("users.get"),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redress.WithCallMiddleware(span))
	fmt.Println(v, err)
	// Output:
	// start users.get
	// end users.get: 3 attempts, stop reason "", error false
	// ok <nil>
}

// WithOrder puts the breaker inside the retry loop, where it sees every
// attempt; a middleware placed around it shows the order.
func ExampleWithOrder() {
	br := redresstest.NewBreaker(breaker.Closed)
	trace := func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			err := next(ctx, a)
			fmt.Printf("attempt %d: breaker told %d outcomes so far\n", a.Number, len(br.Records()))
			return err
		}
	}
	op := redresstest.FailTimes(1, classifier.MarkTransient(errors.New("reset")), "ok")
	_, err := redress.Execute(context.Background(), op.Call,
		redress.WithBreaker(br),
		redress.WithMiddleware(trace),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redress.WithOrder(redress.StageRetry, redress.StageMiddleware, redress.StageBreaker))
	fmt.Println(err, br.Outcomes())
	// Output:
	// attempt 1: breaker told 1 outcomes so far
	// attempt 2: breaker told 2 outcomes so far
	// <nil> [failure success]
}

// A fallback gives a degraded answer once retries are exhausted.
func ExampleWithFallback() {
	fromCache := func(_ context.Context, err error) (string, error) {
		var se *redress.StopError
		errors.As(err, &se)
		fmt.Println("falling back after", se.Reason)
		return "cached profile", nil
	}
	v, err := redress.Execute(context.Background(),
		func(context.Context) (string, error) { return "", classifier.MarkTransient(errors.New("unavailable")) },
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redress.WithFallback(fromCache))
	fmt.Println(v, err)
	// Output:
	// falling back after MAX_ATTEMPTS_GLOBAL
	// cached profile <nil>
}

// A bulkhead of one slot that never waits turns a second concurrent call
// away at once.
func ExampleWithBulkhead() {
	p := redress.MustNew(redress.WithBulkhead(bulkhead.New(1)))
	inside, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		redress.Execute(context.Background(), func(context.Context) (int, error) {
			close(inside)
			<-release
			return 1, nil
		}, p)
	}()
	<-inside
	_, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 2, nil }, p)
	fmt.Println(errors.Is(err, bulkhead.ErrFull))
	close(release)
	<-done
	// Output:
	// true
}

// A slow attempt is hedged after 100 ms; the hedge answers first and the
// slow invocation is cancelled.
func ExampleWithHedging() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	var invocations atomic.Int32 // invocations run concurrently
	op := func(ctx context.Context) (string, error) {
		if invocations.Add(1) == 1 {
			<-ctx.Done() // slow: answers only when cancelled
			return "", ctx.Err()
		}
		return "from the hedge", nil
	}
	out := make(chan string)
	go func() {
		v, _ := redress.Execute(context.Background(), op, redress.WithClock(clk),
			redress.WithHedging(100*time.Millisecond, 1))
		out <- v
	}()
	clk.WaitForSleepers(1)
	clk.Advance(100 * time.Millisecond)
	fmt.Println(<-out)
	// Output:
	// from the hedge
}

// WithThrottle ends calls the throttle rejects with StopThrottled.
func ExampleWithThrottle() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(1))
	for range 1000 {
		th.Record(false) // the backend has been shedding everything
	}
	_, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil },
		redress.WithThrottle(th), redress.WithClock(clk))
	fmt.Println(errors.Is(err, throttle.ErrThrottled))
	// Output:
	// true
}

// WithAdaptive feeds an adaptive strategy the outcomes of attempts; its
// delays double while most attempts fail.
func ExampleWithAdaptive() {
	ad := backoff.Adaptive(backoff.Constant(100 * time.Millisecond))
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	op := redresstest.FailTimes(4, classifier.MarkTransient(errors.New("reset")), 1)
	redress.Execute(context.Background(), op.Call, redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(ad)), redress.WithAdaptive(ad))
	fmt.Println(clk.Sleeps())
	// Output:
	// [100ms 100ms 200ms 400ms]
}
