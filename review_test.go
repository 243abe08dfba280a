package redress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
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
