package redress_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

const hedgeDelay = 100 * time.Millisecond

// invocations returns an operation whose i-th invocation (0-based) runs
// behave[i], and the number of invocations so far.
func invocations(behave ...func(ctx context.Context) (string, error)) (func(context.Context) (string, error), *atomic.Int32) {
	var n atomic.Int32
	return func(ctx context.Context) (string, error) {
		return behave[n.Add(1)-1](ctx)
	}, &n
}

func untilCancelled(ctx context.Context) (string, error) {
	<-ctx.Done()
	return "late", ctx.Err()
}

func answer(v string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return v, nil }
}

type result struct {
	v   string
	err error
}

// runAsync runs Execute in a goroutine, for the test to drive the clock.
func runAsync(ctx context.Context, op func(context.Context) (string, error), opts ...redress.Option) <-chan result {
	out := make(chan result, 1)
	go func() {
		v, err := redress.Execute(ctx, op, opts...)
		out <- result{v, err}
	}()
	return out
}

func TestHedgeWinsAndCancelsTheSlowAttempt(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := redresstest.NewClock(epoch)
	rec := &events{}
	var primaryErr error
	op, n := invocations(
		func(ctx context.Context) (string, error) {
			v, err := untilCancelled(ctx)
			primaryErr = err
			return v, err
		},
		answer("hedge"))
	out := runAsync(context.Background(), op, redress.WithClock(clk), redress.WithObserver(rec),
		redress.WithHedging(hedgeDelay, 2))
	clk.WaitForSleepers(1)
	clk.Advance(hedgeDelay)
	got := <-out
	if got.v != "hedge" || got.err != nil {
		t.Fatalf("Execute = %q, %v; want the hedge's answer", got.v, got.err)
	}
	if !errors.Is(primaryErr, context.Canceled) {
		t.Errorf("the slow invocation ended with %v, want context.Canceled", primaryErr)
	}
	if n.Load() != 2 {
		t.Errorf("%d invocations, want 2", n.Load())
	}
	want := []redress.Event{{Name: redress.EventHedge, Attempt: 1, Hedge: 1}, {Name: redress.EventSuccess, Attempt: 1}}
	var gotEvents []redress.Event
	for _, e := range rec.all() {
		gotEvents = append(gotEvents, redress.Event{Name: e.Name, Attempt: e.Attempt, Hedge: e.Hedge})
	}
	if diff := cmp.Diff(want, gotEvents); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if clk.Sleepers() != 0 {
		t.Errorf("%d timers left pending, want 0", clk.Sleepers())
	}
}

func TestFastAnswerStartsNoHedge(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := redresstest.NewClock(epoch)
	rec := &events{}
	op, n := invocations(answer("first"))
	v, err := redress.Execute(context.Background(), op, redress.WithClock(clk), redress.WithObserver(rec),
		redress.WithHedging(hedgeDelay, 2))
	if v != "first" || err != nil || n.Load() != 1 {
		t.Errorf("Execute = %q, %v after %d invocations; want first, nil after 1", v, err, n.Load())
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventSuccess}, rec.names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if clk.Sleepers() != 0 {
		t.Errorf("%d timers left pending, want 0", clk.Sleepers())
	}
}

func TestHedgesThatAllFailGiveTheFirstFailure(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(epoch)
		errSlow, errFast := errors.New("slow failure"), errors.New("fast failure")
		release := make(chan struct{})
		op, n := invocations(
			func(context.Context) (string, error) { <-release; return "", errSlow },
			func(context.Context) (string, error) { return "", errFast })
		out := runAsync(context.Background(), op, redress.WithClock(clk), redress.WithHedging(hedgeDelay, 1),
			redress.WithRetry(retry.WithMaxAttempts(1)))
		synctest.Wait()
		clk.Advance(hedgeDelay)
		synctest.Wait() // the hedge has failed; the attempt waits for the first invocation
		close(release)
		got := <-out
		var se *redress.StopError
		if !errors.As(got.err, &se) || se.Reason != redress.StopMaxAttempts || !errors.Is(got.err, errFast) {
			t.Errorf("Execute error = %v, want MAX_ATTEMPTS_GLOBAL with the first failure", got.err)
		}
		if n.Load() != 2 {
			t.Errorf("%d invocations, want 2", n.Load())
		}
	})
}

func TestHedgingStopsAtMaxAndCallerCancels(t *testing.T) {
	defer goleak.VerifyNone(t)
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		rec := &events{}
		op, n := invocations(untilCancelled, untilCancelled, untilCancelled, untilCancelled)
		out := runAsync(ctx, op, redress.WithClock(clk), redress.WithObserver(rec), redress.WithHedging(hedgeDelay, 2),
			redress.WithoutDeadline())
		for range 3 {
			synctest.Wait()
			clk.Advance(hedgeDelay)
		}
		synctest.Wait()
		if n.Load() != 3 || clk.Sleepers() != 0 {
			t.Errorf("%d invocations and %d timers pending, want 3 (the attempt and 2 hedges) and 0", n.Load(), clk.Sleepers())
		}
		cancel()
		got := <-out
		var se *redress.StopError
		if !errors.As(got.err, &se) || se.Reason != redress.StopAborted {
			t.Fatalf("Execute error = %v, want ABORTED", got.err)
		}
		want := []redress.EventName{redress.EventHedge, redress.EventHedge, redress.EventAborted}
		if diff := cmp.Diff(want, rec.names()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestNoHedge checks the cases where an attempt that is slow must not be
// hedged: the budget denies it, or the call is a half-open probe.
func TestNoHedge(t *testing.T) {
	tests := []struct {
		name string
		give redress.Option
	}{
		{"budget denies", redress.WithBudget(redresstest.NewBudget(0))},
		{"half-open probe", redress.WithBreaker(redresstest.NewBreaker(breaker.HalfOpen))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			synctest.Test(t, func(t *testing.T) {
				clk := redresstest.NewClock(epoch)
				release := make(chan struct{})
				op, n := invocations(func(context.Context) (string, error) { <-release; return "slow", nil }, answer("hedge"))
				out := runAsync(context.Background(), op, redress.WithClock(clk), redress.WithHedging(hedgeDelay, 1), tt.give)
				synctest.Wait()
				clk.Advance(hedgeDelay)
				synctest.Wait()
				close(release)
				if got := <-out; got.v != "slow" || got.err != nil || n.Load() != 1 {
					t.Errorf("Execute = %q, %v after %d invocations; want slow, nil after 1", got.v, got.err, n.Load())
				}
			})
		})
	}
}

func TestHedgeGrantedByTheBudget(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := redresstest.NewClock(epoch)
	bud := redresstest.NewBudget(1)
	op, _ := invocations(untilCancelled, answer("hedge"))
	out := runAsync(context.Background(), op, redress.WithClock(clk), redress.WithHedging(hedgeDelay, 3), redress.WithBudget(bud))
	clk.WaitForSleepers(1)
	clk.Advance(hedgeDelay)
	if got := <-out; got.v != "hedge" || bud.Granted() != 1 {
		t.Errorf("Execute = %q with %d grants, want the hedge's answer with 1", got.v, bud.Granted())
	}
}

func TestPanicInAHedgeReachesTheCaller(t *testing.T) {
	defer goleak.VerifyNone(t)
	boom := errors.New("bug")
	defer func() {
		if got := recover(); got != boom {
			t.Errorf("recovered %v, want the operation's own panic value", got)
		}
	}()
	redress.Execute(context.Background(), func(context.Context) (int, error) { panic(boom) }, redress.WithHedging(time.Hour, 1))
	t.Error("Execute returned normally from a panicking operation")
}

func TestHedgingConfig(t *testing.T) {
	tests := []struct {
		name string
		give redress.Option
		want string
	}{
		{"negative delay", redress.WithHedging(-1, 1), "WithHedging: delay must not be negative, got -1ns"},
		{"no hedges", redress.WithHedging(time.Second, 0), "WithHedging: max must be between 1 and 100, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redress.New(tt.give)
			if want := "redress: invalid configuration: " + tt.want; err == nil || err.Error() != want {
				t.Errorf("New = %v, want %q", err, want)
			}
		})
	}
}

// panickingBudget panics when asked for a retry or hedge.
type panickingBudget struct{}

func (panickingBudget) AllowRetry(context.Context) (bool, error) { panic("budget bug") }

func TestHedgingWaitsForInvocationsWhenBudgetPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(epoch)
		release := make(chan struct{})
		done := make(chan any, 1)
		go func() {
			defer func() { done <- recover() }()
			redress.Execute(context.Background(), func(ctx context.Context) (int, error) {
				<-ctx.Done() // ended by the call's own cleanup
				<-release
				return 0, ctx.Err()
			}, redress.WithClock(clk), redress.WithHedging(time.Second, 1), redress.WithBudget(panickingBudget{}))
		}()
		clk.WaitForSleepers(1) // the hedge timer
		clk.Advance(time.Second)
		synctest.Wait()
		select {
		case got := <-done:
			t.Fatalf("Execute ended (%v) while its first invocation was still running", got)
		default:
		}
		close(release)
		if got := <-done; got != "budget bug" {
			t.Fatalf("recovered %v, want the budget's panic", got)
		}
	})
}
