package redress_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestReviewCallContextEndsWithTheCall: a goroutine the operation ties to
// its context ends once the call is over, as it would under a context
// made with context.WithTimeout and cancelled on return. It must not
// outlive Execute, nor miss the caller's later cancellation.
func TestReviewCallContextEndsWithTheCall(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []redress.Option
	}{
		{"call deadline", nil},
		{"attempt timeout", []redress.Option{redress.WithoutDeadline(), redress.WithAttemptTimeout(time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			caller, cancel := context.WithCancel(context.Background())
			defer cancel()
			var opCtx context.Context
			err := redress.Do(caller, func(ctx context.Context) error {
				opCtx = ctx
				done := ctx.Done()
				go func() { <-done }() // a watcher, as an HTTP or gRPC client starts
				return nil
			}, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-opCtx.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the operation's context is not done after Execute returned")
			}
			if opCtx.Err() == nil {
				t.Error("Done is closed but Err is nil")
			}
		})
	}
}

// TestReviewFakeClockCancelsChildrenInAdvance: when Advance passes the
// call's deadline, a context the operation derived from its own is
// already cancelled when Advance returns, as the fake clock promises.
func TestReviewFakeClockCancelsChildrenInAdvance(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	got := make(chan context.Context)
	release := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- redress.Do(context.Background(), func(ctx context.Context) error {
			child, cancel := context.WithCancel(ctx)
			defer cancel()
			got <- child
			<-release
			return child.Err()
		}, redress.WithClock(clk), redress.WithDeadline(time.Second),
			redress.WithRetry())
	}()
	child := <-got
	clk.Advance(time.Second)
	err := child.Err()
	close(release)
	<-errc
	if err == nil {
		t.Error("the operation's child context is not cancelled when Advance returns")
	}
}

// TestReviewAttemptBreakerSeesDeadlineCutAsTimeout: an attempt that the
// call's own deadline cut is a timeout of ours, TRANSIENT, for a breaker
// inside the retry loop as for one outside it. Recorded as UNKNOWN (the
// bare context.DeadlineExceeded), it counted as a success for a breaker
// that trips on TRANSIENT, so a hanging dependency never opened it.
func TestReviewAttemptBreakerSeesDeadlineCutAsTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order []redress.Stage
	}{
		{"call level", []redress.Stage{redress.StageBreaker, redress.StageRetry}},
		{"attempt level", []redress.Stage{redress.StageRetry, redress.StageBreaker}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := redresstest.NewClock(time.Unix(0, 0))
			br := breaker.New(breaker.WithConsecutiveFailures(1),
				breaker.WithTripOn(classifier.Transient), breaker.WithClock(clk))
			started := make(chan struct{})
			errc := make(chan error, 1)
			go func() {
				errc <- redress.Do(context.Background(), func(ctx context.Context) error {
					close(started)
					<-ctx.Done()
					return ctx.Err()
				}, redress.WithClock(clk), redress.WithDeadline(time.Second),
					redress.WithBreaker(br), redress.WithOrder(tc.order...))
			}()
			<-started
			clk.Advance(time.Second)
			var se *redress.StopError
			if err := <-errc; !errors.As(err, &se) || se.Reason != redress.StopDeadline {
				t.Fatalf("err = %v, want a StopDeadline", err)
			}
			if got := br.State(); got != breaker.Open {
				t.Errorf("breaker %v after a timed-out attempt, want open", got)
			}
		})
	}
}

// TestReviewHedgesAfterTheProbeAttempt: with the breaker inside the retry
// loop, only the attempt that holds a half-open probe ticket goes
// unhedged. Once that probe closed the breaker, the next attempt is let
// through normally and hedges as usual.
func TestReviewHedgesAfterTheProbeAttempt(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithConsecutiveFailures(1), breaker.WithTripOn(classifier.Transient),
		breaker.WithRecoveryTimeout(time.Second), breaker.WithClock(clk))
	tk, err := br.Allow()
	if err != nil {
		t.Fatal(err)
	}
	br.Record(tk, breaker.Failure, classifier.Transient)
	clk.Advance(time.Second) // half-open: the next ticket is a probe
	var rep redress.Call
	calls := make(chan struct{}, 4)
	errc := make(chan error, 1)
	n := 0
	go func() {
		errc <- redress.Do(context.Background(), func(ctx context.Context) error {
			n++ // invocations are serial until a hedge starts
			calls <- struct{}{}
			if n == 1 {
				// Not a failure the breaker trips on: the probe succeeds.
				return classifier.MarkRateLimited(errors.New("busy"), 0)
			}
			<-ctx.Done()
			return ctx.Err()
		}, redress.WithClock(clk), redress.WithDeadline(time.Minute), redress.WithBreaker(br),
			redress.WithOrder(redress.StageRetry, redress.StageBreaker),
			redress.WithHedging(100*time.Millisecond, 1), redress.WithReport(&rep),
			redress.WithRetry(retry.WithBackoff(backoff.Constant(0))))
	}()
	<-calls // the probe attempt
	<-calls // the second attempt
	if got := br.State(); got != breaker.Closed {
		t.Fatalf("breaker %v after the probe, want closed", got)
	}
	// The hedge's timer, if the attempt hedges, is the only one due
	// before the call's deadline; give the attempt a moment to set it.
	for wait := time.Now().Add(2 * time.Second); time.Now().Before(wait); runtime.Gosched() {
		if d, ok := clk.UntilNext(); ok && d < time.Minute {
			clk.Advance(d)
			break
		}
	}
	select {
	case <-calls: // the hedge
	case <-time.After(2 * time.Second):
	}
	clk.Advance(time.Minute)
	<-errc
	if rep.Hedges != 1 {
		t.Errorf("hedges = %d, want 1 for the attempt after the probe", rep.Hedges)
	}
}
