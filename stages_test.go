package redress_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// recordingBreaker lets every call through and remembers what it was told.
type recordingBreaker struct {
	mu       sync.Mutex
	allowed  int
	outcomes []string
}

func (b *recordingBreaker) Allow() (breaker.Ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allowed++
	return breaker.Ticket{Generation: 1}, nil
}

func (b *recordingBreaker) Record(_ breaker.Ticket, o breaker.Outcome, c classifier.Class) breaker.Transition {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.outcomes = append(b.outcomes, o.String()+" "+c.String())
	return breaker.Transition{}
}

func TestBreakerRecordsOneOutcomePerCall(t *testing.T) {
	tests := []struct {
		name   string
		cancel bool // the caller gives up during the first attempt
		errs   []error
		want   string
	}{
		{"success after retries", false, []error{errTransient, errTransient}, "success UNKNOWN"},
		{"failure of the last class", false, []error{errTransient, errPermanent}, "failure PERMANENT"},
		{"aborted counts as neither", true, []error{errTransient}, "cancelled UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := &recordingBreaker{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			scripted, _ := script(1, tt.errs...)
			op := func(ctx context.Context) (int, error) {
				if tt.cancel {
					cancel()
				}
				return scripted(ctx)
			}
			redress.Execute(ctx, op, redress.WithBreaker(br), redress.WithClock(redresstest.NewAutoClock(epoch)))
			if br.allowed != 1 {
				t.Errorf("Allow called %d times, want 1", br.allowed)
			}
			if diff := cmp.Diff([]string{tt.want}, br.outcomes); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBreakerSeesPanicAndPanicGoesOn(t *testing.T) {
	br := &recordingBreaker{}
	boom := errors.New("op bug")
	defer func() {
		if got := recover(); got != boom {
			t.Errorf("recovered %v, want the operation's own panic value", got)
		}
		if diff := cmp.Diff([]string{"panicked UNKNOWN"}, br.outcomes); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
	}()
	redress.Do(context.Background(), func(context.Context) error { panic(boom) }, redress.WithBreaker(br))
	t.Error("Do returned normally from a panicking operation")
}

func TestOpenBreakerRejectsWithoutCallingOp(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk), breaker.WithRecoveryTimeout(time.Minute))
	rec := &events{}
	p := mustNew(t, redress.WithBreaker(br), redress.WithClock(clk), redress.WithObserver(rec),
		redress.WithRetry(retry.WithMaxAttempts(1)))

	op, calls := script(0, errTransient, errTransient)
	_, err := redress.Execute(context.Background(), op, p)
	if !errors.Is(err, errTransient) {
		t.Fatalf("first call: %v, want the operation's error", err)
	}
	_, err = redress.Execute(context.Background(), op, p)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopCircuitOpen || se.Attempts != 0 {
		t.Fatalf("second call: %v, want CIRCUIT_OPEN after 0 attempts", err)
	}
	if !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("errors.Is(%v, breaker.ErrOpen) = false", err)
	}
	if *calls != 1 {
		t.Errorf("op called %d times, want 1", *calls)
	}
	want := []redress.Event{
		{Name: redress.EventMaxAttemptsExceeded, Reason: redress.StopMaxAttempts, State: breaker.Closed},
		{Name: redress.EventCircuitOpened, State: breaker.Open},
		{Name: redress.EventCircuitRejected, Reason: redress.StopCircuitOpen, State: breaker.Open},
	}
	var got []redress.Event
	for _, e := range rec.all() {
		got = append(got, redress.Event{Name: e.Name, Reason: e.Reason, State: e.State})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}

	// After the recovery timeout one probe goes through and closes it.
	clk.Advance(time.Minute)
	if _, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil }, p); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if got := br.State(); got != breaker.Closed {
		t.Errorf("State() after a good probe = %v, want closed", got)
	}
	names := rec.names()
	if diff := cmp.Diff([]redress.EventName{redress.EventCircuitHalfOpen, redress.EventSuccess, redress.EventCircuitClosed}, names[3:]); diff != "" {
		t.Errorf("probe events (-want +got):\n%s", diff)
	}
}

func TestNonTrippingFailureKeepsBreakerClosed(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
	op, _ := script(0, errPermanent)
	redress.Execute(context.Background(), op, redress.WithBreaker(br), redress.WithClock(clk))
	if br.State() != breaker.Closed || br.FailureCount() != 0 {
		t.Errorf("after a PERMANENT failure: state %v, %d failures; want closed, 0", br.State(), br.FailureCount())
	}
}

func TestTwoPoliciesShareOneBreaker(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	br := breaker.New(breaker.WithFailureThreshold(2), breaker.WithClock(clk))
	a := mustNew(t, redress.WithBreaker(br), redress.WithClock(clk), redress.WithRetry(retry.WithMaxAttempts(1)))
	b := mustNew(t, redress.WithBreaker(br), redress.WithClock(clk), redress.WithOperation("b"))
	fail := func(context.Context) (int, error) { return 0, errTransient }
	redress.Execute(context.Background(), fail, a)
	redress.Execute(context.Background(), fail, a)
	op, calls := script(1)
	_, err := redress.Execute(context.Background(), op, b)
	if !errors.Is(err, breaker.ErrOpen) || *calls != 0 {
		t.Errorf("policy b: %v after %d calls, want a breaker rejection and no call", err, *calls)
	}
}

// scriptedBudget grants a fixed number of retries, then denies, or fails.
type scriptedBudget struct {
	mu       sync.Mutex
	grants   int
	err      error
	asked    int
	requests int
	outcomes []bool
}

func (b *scriptedBudget) AllowRetry(context.Context) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asked++
	if b.err != nil {
		return false, b.err
	}
	if b.grants == 0 {
		return false, nil
	}
	b.grants--
	return true, nil
}

func (b *scriptedBudget) RecordRequest() { b.mu.Lock(); b.requests++; b.mu.Unlock() }
func (b *scriptedBudget) RecordOutcome(ok bool) {
	b.mu.Lock()
	b.outcomes = append(b.outcomes, ok)
	b.mu.Unlock()
}

func TestBudgetGatesRetriesOnly(t *testing.T) {
	bud := &scriptedBudget{grants: 1}
	rec := &events{}
	op, calls := script(0, errTransient, errTransient, errTransient)
	_, err := redress.Execute(context.Background(), op, redress.WithBudget(bud),
		redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithObserver(rec))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopBudgetExhausted {
		t.Fatalf("error = %v, want BUDGET_EXHAUSTED", err)
	}
	if !errors.Is(err, budget.ErrExhausted) || !errors.Is(err, errTransient) {
		t.Errorf("error %v should match budget.ErrExhausted and the last error", err)
	}
	if *calls != 2 || bud.asked != 2 {
		t.Errorf("op called %d times and budget asked %d times, want 2 and 2", *calls, bud.asked)
	}
	if bud.requests != 1 {
		t.Errorf("RecordRequest called %d times, want 1", bud.requests)
	}
	if diff := cmp.Diff([]bool{false, false}, bud.outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventRetry, redress.EventBudgetExhausted}, rec.names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestBudgetNotAskedForARetryThatWillNotHappen(t *testing.T) {
	bud := &scriptedBudget{grants: 10}
	op, _ := script(0, errTransient, errTransient, errPermanent)
	redress.Execute(context.Background(), op, redress.WithBudget(bud), redress.WithRetry(retry.WithMaxAttempts(2)),
		redress.WithClock(redresstest.NewAutoClock(epoch)))
	if bud.asked != 1 {
		t.Errorf("budget asked %d times for 2 attempts, want 1", bud.asked)
	}
	bud = &scriptedBudget{grants: 10}
	op, _ = script(0, errPermanent)
	redress.Execute(context.Background(), op, redress.WithBudget(bud), redress.WithClock(redresstest.NewAutoClock(epoch)))
	if bud.asked != 0 || len(bud.outcomes) != 0 {
		t.Errorf("PERMANENT failure: budget asked %d times, told %v; want 0 and nothing", bud.asked, bud.outcomes)
	}
}

func TestBudgetErrorFailsClosed(t *testing.T) {
	storeDown := errors.New("budget store unreachable")
	bud := &scriptedBudget{err: storeDown}
	rec := &events{}
	op, calls := script(0, errTransient, errTransient)
	_, err := redress.Execute(context.Background(), op, redress.WithBudget(bud),
		redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithObserver(rec))
	if !errors.Is(err, budget.ErrExhausted) || !errors.Is(err, storeDown) || !errors.Is(err, errTransient) {
		t.Errorf("error %v should match ErrExhausted, the budget's error and the last error", err)
	}
	if *calls != 1 {
		t.Errorf("op called %d times, want 1 (no blind retry)", *calls)
	}
	last := rec.all()[len(rec.all())-1]
	if last.Name != redress.EventBudgetExhausted || !errors.Is(last.Cause, storeDown) {
		t.Errorf("last event = %+v, want budget_exhausted with the budget's error as Cause", last)
	}
}

// TestBudgetStopsRetryStorm is the amplification test: 100 callers hammer
// a dependency that always fails with TRANSIENT for 60 virtual seconds.
func TestBudgetStopsRetryStorm(t *testing.T) {
	const (
		callers  = 100
		duration = 60 * time.Second
		spacing  = 100 * time.Millisecond // each caller calls ten times a second
	)
	kinds := []struct {
		name    string
		make    func(clk *redresstest.Clock) budget.Budget // nil: no budget
		minimum float64                                    // the kind's stated minimum, in retries
		wantMax float64                                    // attempts/calls must stay under this (0: check ≈ 4)
	}{
		{name: "no budget"},
		{name: "window", make: func(clk *redresstest.Clock) budget.Budget {
			// 10 % of 100 callers × 10 calls/s × 60 s = 6000 retries a minute.
			return budget.New(6000, time.Minute, budget.WithClock(clk))
		}},
		{name: "ratio", make: func(clk *redresstest.Clock) budget.Budget {
			return budget.NewRatio(0.1, budget.WithClock(clk))
		}, minimum: 10 * 60}, // Finagle's 10 retries/s floor, over 60 s
		{name: "token bucket", make: func(clk *redresstest.Clock) budget.Budget {
			return budget.NewTokenBucket(100, 0.1, budget.WithClock(clk))
		}, minimum: 50}, // half of maxTokens before throttling starts
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			clk := redresstest.NewAutoClock(epoch)
			opts := []redress.Option{
				redress.WithClock(clk),
				redress.WithRetry(retry.WithMaxAttempts(4), retry.WithBackoff(backoff.Constant(0))),
			}
			if k.make != nil {
				opts = append(opts, redress.WithBudget(k.make(clk)))
			}
			p := mustNew(t, opts...)
			attempts, calls := 0, 0
			op := func(context.Context) (int, error) { attempts++; return 0, errTransient }
			// Calls are interleaved on one goroutine so the run is exact.
			for now := time.Duration(0); now < duration; now += spacing {
				for range callers {
					calls++
					redress.Execute(context.Background(), op, p)
				}
				clk.Advance(spacing)
			}
			ratio := float64(attempts) / float64(calls)
			t.Logf("%s: %d calls, %d attempts, %.3f attempts per call", k.name, calls, attempts, ratio)
			if k.make == nil {
				if ratio < 3.9 {
					t.Errorf("without a budget: %.3f attempts per call, want about 4", ratio)
				}
				return
			}
			if limit := 1.1*float64(calls) + k.minimum; float64(attempts) > limit {
				t.Errorf("%d attempts for %d calls, want at most 1.1 × calls + %v = %.0f", attempts, calls, k.minimum, limit)
			}
		})
	}
}
