package redresstest_test

// The code of docs/testing.md: every Go block in the guide is an excerpt
// of this file, and TestGuideExamplesAreTested checks that it still is.

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/docsync"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// Inventory is the code under test: it asks a stock service, through a
// policy of its own, and takes extra options so that tests can change it.
type Inventory struct {
	fetch  func(ctx context.Context, sku string) (int, error)
	policy *redress.Policy
}

func NewInventory(fetch func(context.Context, string) (int, error), opts ...redress.Option) *Inventory {
	policy := redress.MustNew(append([]redress.Option{
		redress.WithOperation("inventory.stock"),
		redress.WithDeadline(10 * time.Second),
		redress.WithRetry(
			retry.WithMaxAttempts(5),
			retry.WithBackoff(backoff.Exponential(time.Second, 8*time.Second)),
		),
	}, opts...)...)
	return &Inventory{fetch: fetch, policy: policy}
}

func (inv *Inventory) Stock(ctx context.Context, sku string) (int, error) {
	return redress.Execute(ctx, func(ctx context.Context) (int, error) {
		return inv.fetch(ctx, sku)
	}, inv.policy)
}

// fetchFrom adapts a scripted operation to Inventory's fetch function.
func fetchFrom(op *redresstest.Script[int]) func(context.Context, string) (int, error) {
	return func(ctx context.Context, _ string) (int, error) { return op.Call(ctx) }
}

func TestStockTriesOnceUnderNoRetries(t *testing.T) {
	fetch := redresstest.AlwaysFail[int](errUnavailable)
	inv := NewInventory(fetchFrom(fetch)) // the production policy, untouched

	ctx := redresstest.NoRetries(t.Context())
	_, err := inv.Stock(ctx, "sku-1")

	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts {
		t.Fatalf("Stock error = %v, want a MAX_ATTEMPTS_GLOBAL stop", err)
	}
	if got := fetch.Calls(); got != 1 {
		t.Errorf("fetch called %d times, want 1", got)
	}
}

func TestStockRetriesUntilTheServiceAnswers(t *testing.T) {
	fetch := redresstest.FailTimes(2, errUnavailable, 7)
	var rec redresstest.Recorder
	inv := NewInventory(fetchFrom(fetch), redresstest.InstantRetries(), rec.Option())

	got, err := inv.Stock(t.Context(), "sku-1")
	if err != nil || got != 7 {
		t.Fatalf("Stock = %d, %v; want 7, nil", got, err)
	}
	wantEvents := []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventSuccess}
	if diff := cmp.Diff(wantEvents, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	wantClasses := []classifier.Class{classifier.Transient, classifier.Transient}
	if diff := cmp.Diff(wantClasses, rec.Classes()); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, rec.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestStockGivesUpBeforeItsDeadline(t *testing.T) {
	fetch := redresstest.AlwaysFail[int](errUnavailable)
	var rec redresstest.Recorder
	inv := NewInventory(fetchFrom(fetch), redresstest.InstantRetries(), rec.Option())

	_, err := inv.Stock(t.Context(), "sku-1")

	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("Stock error = %v, want a *redress.StopError", err)
	}
	// Slept 1s, 2s and 4s; the next 8s would end after the 10s deadline.
	if se.Reason != redress.StopDeadline || se.Attempts != 4 || se.Elapsed != 7*time.Second {
		t.Errorf("stopped with %s after %d attempts and %v, want %s after 4 and 7s",
			se.Reason, se.Attempts, se.Elapsed, redress.StopDeadline)
	}
	if got := rec.TotalSleep(); got != 7*time.Second {
		t.Errorf("total sleep %v, want 7s", got)
	}
}

func TestStockFailsFastWhenTheCircuitIsOpen(t *testing.T) {
	fetch := redresstest.FailThen(7)
	br := redresstest.NewBreaker(breaker.Open)
	inv := NewInventory(fetchFrom(fetch), redress.WithBreaker(br))

	_, err := inv.Stock(t.Context(), "sku-1")

	if !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("Stock error = %v, want breaker.ErrOpen", err)
	}
	if got := fetch.Calls(); got != 0 {
		t.Errorf("fetch called %d times behind an open circuit, want 0", got)
	}
}

func TestStockReportsOneOutcomePerCall(t *testing.T) {
	br := redresstest.NewBreaker(breaker.Closed)
	inv := NewInventory(fetchFrom(redresstest.FailTimes(2, errUnavailable, 7)),
		redresstest.InstantRetries(), redress.WithBreaker(br))

	if _, err := inv.Stock(t.Context(), "sku-1"); err != nil {
		t.Fatal(err)
	}

	// Two failed attempts and a success are one call, and the service answered.
	if diff := cmp.Diff([]breaker.Outcome{breaker.Success}, br.Outcomes()); diff != "" {
		t.Errorf("outcomes told to the breaker (-want +got):\n%s", diff)
	}
}

func TestStockStopsWhenTheBudgetIsSpent(t *testing.T) {
	bud := redresstest.NewBudget(0)
	fetch := redresstest.AlwaysFail[int](errUnavailable)
	inv := NewInventory(fetchFrom(fetch), redresstest.InstantRetries(), redress.WithBudget(bud))

	_, err := inv.Stock(t.Context(), "sku-1")

	if !errors.Is(err, budget.ErrExhausted) {
		t.Errorf("Stock error = %v, want budget.ErrExhausted", err)
	}
	if fetch.Calls() != 1 || bud.Denied() != 1 {
		t.Errorf("fetch called %d times and %d retries denied, want 1 and 1", fetch.Calls(), bud.Denied())
	}
}

func TestStockWaitsOneSecondBeforeRetrying(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	fetch := redresstest.FailTimes(1, errUnavailable, 7)
	inv := NewInventory(fetchFrom(fetch), redress.WithClock(clk))

	done := make(chan error, 1)
	go func() {
		_, err := inv.Stock(context.Background(), "sku-1")
		done <- err
	}()

	// Advance only once the retry is asleep; fail rather than hang.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := clk.WaitForSleepersContext(ctx, 1); err != nil {
		t.Fatalf("no retry went to sleep: %v", err)
	}
	if d, _ := clk.UntilNext(); d != time.Second {
		t.Errorf("sleeping %v before the retry, want 1s", d)
	}
	clk.Advance(999 * time.Millisecond)
	if got := fetch.Calls(); got != 1 {
		t.Error("retried before its second was up")
	}
	clk.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := fetch.Calls(); got != 2 {
		t.Errorf("fetch called %d times, want 2", got)
	}
}

func TestStockTimesOutHungRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := func(ctx context.Context, _ string) (int, error) {
			<-ctx.Done() // a request that never answers
			return 0, ctx.Err()
		}
		inv := NewInventory(hang, redress.WithAttemptTimeout(2*time.Second))

		start := time.Now()
		_, err := inv.Stock(t.Context(), "sku-1")

		// Attempts at 0s, 3s and 7s, each cut at 2s; a 4s sleep after the
		// third would end past the 10s deadline.
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopDeadline || se.Attempts != 3 {
			t.Fatalf("Stock error = %v, want DEADLINE_EXCEEDED after 3 attempts", err)
		}
		if !errors.Is(err, classifier.ErrAttemptTimeout) {
			t.Errorf("Stock error = %v, want it to match classifier.ErrAttemptTimeout", err)
		}
		if elapsed := time.Since(start); elapsed != 9*time.Second {
			t.Errorf("took %v of the bubble's time, want exactly 9s", elapsed)
		}
	})
}

func TestAdvanceBeforeTheSleepIsLost(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	clk.Advance(time.Second)           // no one is asleep: only the clock moves
	timer := clk.NewTimer(time.Second) // a sleep that starts now ends at 2s
	select {
	case <-timer.C():
		t.Fatal("the sleep ended without an Advance")
	default:
	}
	clk.Advance(time.Second)
	<-timer.C()
}

func TestEachTestItsOwnBreaker(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fetch *redresstest.Script[int]
		want  breaker.State
	}{
		{"outage opens it", redresstest.AlwaysFail[int](errUnavailable), breaker.Open},
		{"healthy keeps it closed", redresstest.FailThen(7), breaker.Closed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
			inv := NewInventory(fetchFrom(tt.fetch), redress.WithClock(clk), redress.WithBreaker(br))
			_, _ = inv.Stock(t.Context(), "sku-1")
			if got := br.State(); got != tt.want {
				t.Errorf("State() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestGuideExamplesAreTested keeps the guide honest: each of its Go
// blocks must be an excerpt of this file, whose tests run it.
func TestGuideExamplesAreTested(t *testing.T) {
	docsync.Check(t, "../docs/testing.md", "guide_test.go")
}
