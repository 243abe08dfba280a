package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// succeed is the operation of the success-path benchmarks. It is a plain
// function value, so passing it to a library allocates nothing.
func succeed(context.Context) (int, error) { return 42, nil }

// succeedWaiting is succeed for an operation that, like any operation doing
// I/O, asks its context for Done: that arms redress's call context (a timer
// on the clock and a registration with the caller's context), which succeed
// never does.
func succeedWaiting(ctx context.Context) (int, error) {
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	default:
		return 42, nil
	}
}

// ignoreEvent is the observer of the benchmarks that add one: it does
// nothing, so that a row measures what redress pays to tell an observer.
func ignoreEvent(context.Context, redress.Event) {}

// errFlaky is the failure of the failure-path benchmarks, marked TRANSIENT
// once so that redress retries it without a classifier of its own. The peers
// retry every error, so to them it is a plain error.
var errFlaky = classifier.MarkTransient(errors.New("flaky"))

// failTwice returns an operation that fails twice and then succeeds, over and
// over: calls 1 and 2 fail, call 3 succeeds, call 4 fails again, and so on, so
// every iteration of a benchmark sees the same two failures. It is not safe
// for concurrent use.
func failTwice() func(context.Context) (int, error) {
	n := 0
	return func(context.Context) (int, error) {
		n++
		if n%3 != 0 {
			return 0, errFlaky
		}
		return 42, nil
	}
}

// newBreaker returns a redress breaker that a benchmark never opens.
func newBreaker() *breaker.Breaker { return breaker.New() }

// newBudget returns a redress budget that a benchmark never exhausts: every
// retry it is asked for is granted.
func newBudget() budget.Budget { return budget.New(math.MaxInt, time.Minute) }

// prebuilt is the policy of the "prebuilt" rows: breaker, budget and retry
// (five attempts), with the default 60 s deadline unless opts say otherwise
// (WithoutDeadline). opts are added at the end.
func prebuilt(tb testing.TB, opts ...redress.Option) *redress.Policy {
	tb.Helper()
	all := append([]redress.Option{
		redress.WithOperation("bench"),
		redress.WithBreaker(newBreaker()),
		redress.WithBudget(newBudget()),
		redress.WithRetry(retry.WithMaxAttempts(5)),
	}, opts...)
	p, err := redress.New(all...)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// zeroDelay is the retry option of the failure-path benchmarks: retry at once.
var zeroDelay = retry.WithBackoff(backoff.Constant(0))

// sink keeps results alive so that the compiler cannot drop a call.
var sink int

// use checks a serial benchmark's result and keeps it in sink. It panics
// on a failure, which fails the benchmark: taking a testing.TB as well would
// not fit Go's f(g()) form for a g that returns two values.
func use(v int, err error) {
	if err != nil || v != 42 {
		panic(fmt.Sprintf("got (%d, %v), want (42, nil)", v, err))
	}
	sink = v
}

// useParallel is use for the goroutines of b.RunParallel: it does not write
// sink, which they would race on.
func useParallel(v int, err error) {
	if err != nil || v != 42 {
		panic(fmt.Sprintf("got (%d, %v), want (42, nil)", v, err))
	}
}
