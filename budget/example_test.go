package budget_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

func ExampleNew() {
	// At most 3 retries in any rolling minute, shared by every caller.
	bud := budget.New(3, time.Minute)
	for i := range 5 {
		ok, err := bud.AllowRetry(context.Background())
		fmt.Println(i+1, ok, err)
	}
	fmt.Println("remaining:", bud.Remaining())
	// Output:
	// 1 true <nil>
	// 2 true <nil>
	// 3 true <nil>
	// 4 false <nil>
	// 5 false <nil>
	// remaining: 0
}

func ExampleWithClock() {
	clk := redresstest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	// Ten buckets of 6 s: a retry comes back once its bucket has left the
	// window, between 60 and 66 s after it was spent.
	bud := budget.New(2, time.Minute, budget.WithClock(clk))

	clk.Advance(3 * time.Second)
	bud.AllowRetry(context.Background())
	bud.AllowRetry(context.Background())
	fmt.Println(clk.Now().Format("15:04:05"), "remaining:", bud.Remaining())
	clk.Advance(time.Minute)
	fmt.Println(clk.Now().Format("15:04:05"), "remaining:", bud.Remaining())
	clk.Advance(3 * time.Second)
	fmt.Println(clk.Now().Format("15:04:05"), "remaining:", bud.Remaining())
	// Output:
	// 12:00:03 remaining: 0
	// 12:01:03 remaining: 0
	// 12:01:06 remaining: 2
}

func ExampleWithBuckets() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	// One bucket: a retry comes back between one and two windows later.
	bud := budget.New(1, time.Minute, budget.WithClock(clk), budget.WithBuckets(1))
	bud.AllowRetry(context.Background())
	clk.Advance(time.Minute)
	fmt.Println("after 1m:", bud.Remaining())
	clk.Advance(time.Minute)
	fmt.Println("after 2m:", bud.Remaining())
	// Output:
	// after 1m: 0
	// after 2m: 1
}

func ExampleNewRatio() {
	// Retries on up to 20% of the requests of the last 10 s, and no
	// minimum, so that the arithmetic shows.
	bud := budget.NewRatio(0.2, budget.WithMinPerSecond(0))
	for range 10 {
		bud.RecordRequest() // the pipeline calls this once per call
	}
	fmt.Println("remaining:", bud.Remaining())
	for range 3 {
		ok, _ := bud.AllowRetry(context.Background())
		fmt.Println(ok)
	}
	// Output:
	// remaining: 2
	// true
	// true
	// false
}

func ExampleWithMinPerSecond() {
	// Finagle's defaults: a 10 s TTL and 10 retries per second in reserve,
	// so a client that has sent no requests yet may still retry 100 times.
	fmt.Println(budget.NewRatio(0.2).Remaining())
	fmt.Println(budget.NewRatio(0.2, budget.WithMinPerSecond(2)).Remaining())
	// Output:
	// 100
	// 20
}

func ExampleWithTTL() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	bud := budget.NewRatio(0.5, budget.WithClock(clk),
		budget.WithTTL(time.Second), budget.WithMinPerSecond(0))
	bud.RecordRequest()
	bud.RecordRequest()
	fmt.Println("now:", bud.Remaining())
	clk.Advance(time.Second)
	fmt.Println("a TTL later:", bud.Remaining())
	// Output:
	// now: 1
	// a TTL later: 0
}

func ExampleNewTokenBucket() {
	// The vector of gRPC's retry throttling tests.
	bud := budget.NewTokenBucket(4, 1.6)
	for _, success := range []bool{false, true, false, false} {
		bud.RecordOutcome(success) // the pipeline calls this after every attempt
		ok, _ := bud.AllowRetry(context.Background())
		fmt.Printf("success=%t tokens=%v retry allowed=%t\n", success, bud.Tokens(), ok)
	}
	// Output:
	// success=false tokens=3 retry allowed=true
	// success=true tokens=4 retry allowed=true
	// success=false tokens=3 retry allowed=true
	// success=false tokens=2 retry allowed=false
}

func ExampleWindow_Err() {
	bud := budget.New(-1, time.Minute)
	fmt.Println(bud.Err())
	_, err := bud.AllowRetry(context.Background())
	fmt.Println(errors.Is(err, budget.ErrInvalidConfig))
	// Output:
	// budget.New: maxRetries is -1, want >= 0: budget: invalid configuration
	// true
}

// retryWith is a hand-written retry loop guarded by a budget, as code that
// does not use redress's pipeline would write it.
func retryWith(ctx context.Context, bud budget.Budget, attempts int, op func() error) error {
	if l, ok := bud.(budget.Learner); ok {
		l.RecordRequest()
	}
	for n := 1; ; n++ {
		err := op()
		if l, ok := bud.(budget.Learner); ok {
			l.RecordOutcome(err == nil)
		}
		if err == nil || n == attempts {
			return err
		}
		ok, berr := bud.AllowRetry(ctx)
		if berr != nil {
			return errors.Join(err, berr) // fail closed
		}
		if !ok {
			return errors.Join(err, budget.ErrExhausted)
		}
	}
}

// Example_standalone guards a hand-written retry loop with a budget shared
// by every call: the first call retries, the budget runs dry, and the
// second call stops at its first failure.
func Example_standalone() {
	bud := budget.New(2, time.Minute)
	errDown := errors.New("server down")
	calls := 0
	down := func() error { calls++; return errDown }

	err := retryWith(context.Background(), bud, 5, down)
	fmt.Println("first call: attempts", calls, "exhausted", errors.Is(err, budget.ErrExhausted), "last error kept", errors.Is(err, errDown))
	calls = 0
	err = retryWith(context.Background(), bud, 5, down)
	fmt.Println("second call: attempts", calls, "exhausted", errors.Is(err, budget.ErrExhausted))
	// Output:
	// first call: attempts 3 exhausted true last error kept true
	// second call: attempts 1 exhausted true
}

func ExampleNewQuota() {
	// The AWS SDK for Go v2 standard retryer's retry quota: 500 tokens, a
	// retry costs 14, a retry after throttling 5.
	q := budget.NewQuota()
	ctx := context.Background()
	unavailable := classifier.Classification{Class: classifier.ServerError}
	throttled := classifier.Classification{Class: classifier.RateLimit}
	errUnavailable := errors.New("503 service unavailable")
	errThrottled := errors.New("429 too many requests")

	// The redress pipeline asks with each failure and its class...
	q.AllowRetryFor(ctx, errUnavailable, unavailable)
	q.AllowRetryFor(ctx, errThrottled, throttled)
	fmt.Println("after two retries:", q.Remaining())
	// ...and reports each call that succeeded. This one succeeded after
	// retrying the throttling: that last retry's 5 tokens come back.
	q.RecordSuccess(true, throttled, errThrottled)
	fmt.Println("after a successful retry:", q.Remaining())
	// A call that succeeds at its first attempt adds 1.
	q.RecordSuccess(false, classifier.Classification{}, nil)
	fmt.Println("after a first-try success:", q.Remaining())

	// In an outage, 35 retries at 14 drain the pool; the 36th is refused.
	granted := 0
	for {
		ok, _ := q.AllowRetryFor(ctx, errUnavailable, unavailable)
		if !ok {
			break
		}
		granted++
	}
	fmt.Println("retries granted in the outage:", granted, "left:", q.Remaining())
	// Output:
	// after two retries: 481
	// after a successful retry: 486
	// after a first-try success: 487
	// retries granted in the outage: 34 left: 11
}

func ExampleWithTimeoutCost() {
	// Price retries as the AWS SDK did before v1.48: 5 tokens a retry, 10
	// after a timeout, and throttling no cheaper than any retry.
	q := budget.NewQuota(budget.WithRetryCost(5), budget.WithTimeoutCost(10), budget.WithThrottleCost(5))
	transient := classifier.Classification{Class: classifier.Transient}
	fmt.Println(q.Cost(errors.New("connection reset"), transient))
	fmt.Println(q.Cost(fmt.Errorf("%w: slow", classifier.ErrAttemptTimeout), transient))
	fmt.Println(q.Cost(context.DeadlineExceeded, transient))
	// Output:
	// 5
	// 10
	// 10
}

func ExampleWithCapacity() {
	// A small pool, every price set: 20 tokens, retries at 8, throttled
	// retries at 2, and 4 back for each first-try success.
	q := budget.NewQuota(budget.WithCapacity(20), budget.WithRetryCost(8),
		budget.WithThrottleCost(2), budget.WithNoRetryIncrement(4))
	for range 3 {
		ok, _ := q.AllowRetry(context.Background()) // the plain retry cost
		fmt.Println(ok, q.Remaining())
	}
	q.RecordSuccess(false, classifier.Classification{}, nil)
	fmt.Println("refilled:", q.Remaining())
	// Output:
	// true 12
	// true 4
	// false 4
	// refilled: 8
}
