package redress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
	"github.com/redress-go/redress/throttle"
)

// The call's deadline cuts every attempt: an attempt that starts at
// virtual time 3s of a call with a 10s deadline ends at 10s, not 13s, even
// when attempt 1 was failed by middleware before it reached the operation
// (so nothing else read the clock in between).
func TestDeadlineCutFromAttemptStartAfterMiddlewareFailure(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	var got time.Time
	n := 0
	mw := func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			n++
			if n == 1 {
				return classifier.MarkTransient(errors.New("refused locally"))
			}
			return next(ctx, a)
		}
	}
	err := redress.Do(context.Background(), func(ctx context.Context) error {
		got, _ = ctx.Deadline()
		return nil
	}, redress.WithClock(clk), redress.WithDeadline(10*time.Second),
		redress.WithMiddleware(mw),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(3*time.Second))))
	if err != nil {
		t.Fatal(err)
	}
	if want := epoch.Add(10 * time.Second); !got.Equal(want) {
		t.Errorf("attempt 2 context deadline = %v, want the call's deadline %v", got.Sub(epoch), want.Sub(epoch))
	}
}

// Time spent in attempt stages before the operation (here a middleware
// that waits 4s on the clock, like a rate limiter) comes off the first
// attempt's cut.
func TestDeadlineCutCountsTimeBeforeFirstAttempt(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	var got time.Time
	mw := func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			<-clk.NewTimer(4 * time.Second).C() // waits for a token
			return next(ctx, a)
		}
	}
	err := redress.Do(context.Background(), func(ctx context.Context) error {
		got, _ = ctx.Deadline()
		return nil
	}, redress.WithClock(clk), redress.WithDeadline(10*time.Second), redress.WithMiddleware(mw))
	if err != nil {
		t.Fatal(err)
	}
	if want := epoch.Add(10 * time.Second); !got.Equal(want) {
		t.Errorf("attempt 1 context deadline = %v, want the call's deadline %v", got.Sub(epoch), want.Sub(epoch))
	}
}

// Event.Cause holds the error of the stage that refused the call, whether
// the bulkhead runs inside the retry loop (the default) or outside it.
func TestRefusalInsideLoopEventHasCause(t *testing.T) {
	for _, tt := range []struct {
		name  string
		order []redress.Stage
	}{
		{"call stage", []redress.Stage{redress.StageBulkhead, redress.StageRetry}},
		{"attempt stage (default)", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bh := bulkhead.New(1)
			var ev events
			opts := []redress.Option{redress.WithBulkhead(bh), redress.WithClock(redresstest.NewAutoClock(epoch))}
			if tt.order != nil {
				opts = append(opts, redress.WithOrder(tt.order...))
			}
			err := redress.Do(context.Background(), func(ctx context.Context) error {
				// The slot is ours: a nested call on the same bulkhead is refused.
				return classifier.MarkPermanent(redress.Do(ctx, func(context.Context) error { return nil },
					append(opts, redress.WithObserver(&ev))...))
			}, opts...)
			if !errors.Is(err, bulkhead.ErrFull) {
				t.Fatalf("err = %v, want ErrBulkheadFull", err)
			}
			all := ev.all()
			if len(all) != 1 || all[0].Name != redress.EventBulkheadRejected {
				t.Fatalf("events = %v", ev.names())
			}
			if !errors.Is(all[0].Cause, bulkhead.ErrFull) {
				t.Errorf("bulkhead_rejected Event.Cause = %v, want ErrBulkheadFull", all[0].Cause)
			}
		})
	}
}

// The error attempt middleware returns is classified like an operation
// error, even when a stage inside it (here the throttle) has already
// classified the inner error for its own bookkeeping.
func TestMiddlewareErrorClassifiedAfterInnerStages(t *testing.T) {
	mw := func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			if err := next(ctx, a); err != nil {
				return classifier.MarkPermanent(err) // never retry this one
			}
			return nil
		}
	}
	for _, tt := range []struct {
		name string
		opts []redress.Option
	}{
		{"no throttle", nil},
		{"with throttle", []redress.Option{redress.WithThrottle(throttle.New(throttle.WithSeed(1)))}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			opts := append([]redress.Option{redress.WithMiddleware(mw),
				redress.WithClock(redresstest.NewAutoClock(epoch))}, tt.opts...)
			err := redress.Do(context.Background(), func(context.Context) error {
				calls++
				return classifier.MarkTransient(errors.New("blip"))
			}, opts...)
			var se *redress.StopError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v", err)
			}
			if se.Reason != redress.StopNonRetryable || calls != 1 || se.LastClass != classifier.Permanent {
				t.Errorf("reason %v, class %v, calls %d; want NON_RETRYABLE_CLASS, PERMANENT, 1", se.Reason, se.LastClass, calls)
			}
		})
	}
}

// A call whose attempt 1 reached the dependency and failed with a class
// the breaker trips on, and whose retry the throttle then refused, is a
// failure for the breaker, not "neither": during an outage the throttle
// refuses most retries, and the breaker must still count the failures.
func TestRefusedRetryStillRecordsDependencyFailure(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	newThrottle := func(seed uint64) *throttle.Throttle {
		th := throttle.New(throttle.WithK(1), throttle.WithPadding(1), throttle.WithSeed(seed), throttle.WithClock(clk))
		th.Record(false) // p = 1/2
		return th
	}
	seed := uint64(0)
	for s := uint64(1); s < 1000; s++ { // attempt 1 allowed, attempt 2 refused
		th := newThrottle(s)
		if th.Allow() {
			th.Record(false)
			if !th.Allow() {
				seed = s
				break
			}
		}
	}
	if seed == 0 {
		t.Skip("no seed found")
	}
	br := redresstest.NewBreaker(breaker.Closed)
	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkTransient(errors.New("backend down"))
	}, redress.WithClock(clk), redress.WithBreaker(br), redress.WithThrottle(newThrottle(seed)))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopThrottled || se.Attempts != 1 || se.LastClass != classifier.Transient {
		t.Fatalf("err = %v, want THROTTLED after 1 TRANSIENT attempt", err)
	}
	if got := br.Outcomes(); len(got) != 1 || got[0] != breaker.Failure {
		t.Errorf("breaker outcomes = %v, want [failure]: attempt 1 failed TRANSIENT at the dependency", got)
	}
}
