package redresstest_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// A call that stopped and then fell back has one reason and one class,
// although its fallback event repeats the stop reason.
func TestRecorderCountsAFallenBackCallOnce(t *testing.T) {
	var rec redresstest.Recorder
	op := redresstest.AlwaysFail[string](errPermanent)
	v, err := redress.Execute(context.Background(), op.Call,
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithFallback(func(context.Context, error) (string, error) { return "cached", nil }),
		rec.Option())
	if err != nil || v != "cached" {
		t.Fatalf("Execute = %q, %v", v, err)
	}
	if got := rec.Reasons(); len(got) != 1 {
		t.Errorf("Reasons() = %v for one call; want one reason", got)
	}
	if got := rec.Classes(); len(got) != 1 {
		t.Errorf("Classes() = %v for one failure; want one class", got)
	}
}

// Under NoRetries a hedged call runs its operation once: no hedge starts.
func TestNoRetriesStopsHedging(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	var calls atomic.Int32
	release := make(chan struct{})
	op := func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-release:
				return "", errTransient
			}
		}
		return "hedge", nil
	}
	ctx := redresstest.NoRetries(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = redress.Execute(ctx, op, redress.WithClock(clk), redress.WithoutDeadline(),
			redress.WithHedging(10*time.Millisecond, 1))
	}()
	wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if clk.WaitForSleepersContext(wctx, 1) == nil {
		clk.Advance(10 * time.Millisecond) // fire the hedge timer
	}
	close(release)
	<-done
	if n := calls.Load(); n != 1 {
		t.Errorf("operation called %d times under NoRetries; want exactly 1", n)
	}
}

// countingStrategy counts the delays it is asked for.
type countingStrategy struct{ n atomic.Int32 }

func (c *countingStrategy) Delay(backoff.Input) time.Duration { c.n.Add(1); return time.Second }

// No delay is computed for a retry that will not happen, and under
// NoRetries no retry happens: the strategy is never asked.
func TestNoRetriesComputesNoDelay(t *testing.T) {
	s := &countingStrategy{}
	op := redresstest.AlwaysFail[int](errTransient)
	_, err := redress.Execute(redresstest.NoRetries(context.Background()), op.Call,
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithBackoff(s)))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts || op.Calls() != 1 {
		t.Fatalf("err=%v calls=%d", err, op.Calls())
	}
	if n := s.n.Load(); n != 0 {
		t.Errorf("strategy asked for %d delay(s) for a retry NoRetries never makes; want 0", n)
	}
}

// A due AfterFunc (d <= 0) runs f in its own goroutine, as the real clock
// does: AfterFunc returns before f, even when f waits for the caller. The
// real-time context only bounds the wait if that ever regresses.
func TestAfterFuncDueRunsInItsOwnGoroutine(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	gate := make(chan struct{})
	fired := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		clk.AfterFunc(0, func() { <-gate; close(fired) })
		close(returned)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	select {
	case <-returned:
	case <-ctx.Done():
		close(gate)
		<-fired
		t.Fatal("AfterFunc(0, f) did not return until f finished: f ran on the caller's goroutine")
	}
	close(gate)
	<-fired
}
