package redresstest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestRecorderRecordsACall checks every accessor against one call that
// retries twice with exact delays and then stops.
func TestRecorderRecordsACall(t *testing.T) {
	ms := time.Millisecond
	var rec redresstest.Recorder
	op := redresstest.FailThen("ok", errTransient, errServer, errPermanent)
	_, err := redress.Execute(t.Context(), op.Call,
		redresstest.InstantRetries(),
		redress.WithOperation("users.get"),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*ms, 250*ms))),
		rec.Option())
	if !errors.Is(err, errPermanent) {
		t.Fatalf("err = %v, want the permanent error", err)
	}

	type event struct {
		Name    redress.EventName
		Attempt int
		Sleep   time.Duration
		Class   classifier.Class
		Reason  redress.StopReason
		Elapsed time.Duration
	}
	var gotEvents []event
	for _, e := range rec.Events() {
		if e.Operation != "users.get" {
			t.Errorf("event %s has operation %q, want users.get", e.Name, e.Operation)
		}
		gotEvents = append(gotEvents, event{e.Name, e.Attempt, e.Sleep, e.Class, e.Reason, e.Elapsed})
	}
	wantEvents := []event{
		{Name: redress.EventRetry, Attempt: 1, Sleep: 100 * ms, Class: classifier.Transient},
		{Name: redress.EventRetry, Attempt: 2, Sleep: 250 * ms, Class: classifier.ServerError, Elapsed: 100 * ms},
		{Name: redress.EventPermanentFail, Attempt: 3, Class: classifier.Permanent, Reason: redress.StopNonRetryable, Elapsed: 350 * ms},
	}
	if diff := cmp.Diff(wantEvents, gotEvents); diff != "" {
		t.Errorf("Events() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventPermanentFail}, rec.Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
	if got := rec.Count(redress.EventRetry); got != 2 {
		t.Errorf("Count(retry) = %d, want 2", got)
	}
	if diff := cmp.Diff([]redress.StopReason{redress.StopNonRetryable}, rec.Reasons()); diff != "" {
		t.Errorf("Reasons() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]classifier.Class{classifier.Transient, classifier.ServerError, classifier.Permanent}, rec.Classes()); diff != "" {
		t.Errorf("Classes() (-want +got):\n%s", diff)
	}
	wantAttempts := []redresstest.Attempt{
		{Operation: "users.get", Number: 1, Err: errTransient},
		{Operation: "users.get", Number: 2, Err: errServer},
		{Operation: "users.get", Number: 3, Err: errPermanent},
	}
	if diff := cmp.Diff(wantAttempts, rec.Attempts(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Attempts() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]error{errTransient, errServer, errPermanent}, rec.Errors(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Errors() (-want +got):\n%s", diff)
	}
	wantCalls := []redresstest.Call{{Operation: "users.get", Attempts: 3, StopReason: redress.StopNonRetryable, Err: err}}
	if diff := cmp.Diff(wantCalls, rec.Calls(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Calls() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{100 * ms, 250 * ms}, rec.Sleeps()); diff != "" {
		t.Errorf("Sleeps() (-want +got):\n%s", diff)
	}
	if got := rec.TotalSleep(); got != 350*ms {
		t.Errorf("TotalSleep() = %v, want 350ms", got)
	}

	rec.Reset()
	if got := rec.Events(); got != nil {
		t.Errorf("Events() after Reset = %v, want nil", got)
	}
	if got := rec.Attempts(); got != nil {
		t.Errorf("Attempts() after Reset = %v, want nil", got)
	}
	if got := rec.Calls(); got != nil {
		t.Errorf("Calls() after Reset = %v, want nil", got)
	}
	if got := rec.TotalSleep(); got != 0 {
		t.Errorf("TotalSleep() after Reset = %v, want 0", got)
	}
}

// TestRecorderClassesAndSleepsByStop covers the stops whose events carry
// no new class or no sleep.
func TestRecorderClassesAndSleepsByStop(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name        string
		opts        []redress.Option
		ctx         func(context.Context) context.Context
		wantNames   []redress.EventName
		wantClasses []classifier.Class
		wantSleeps  []time.Duration
	}{
		{
			name:        "defer mode hands the delay back: no sleep",
			opts:        []redress.Option{redress.WithRetry(retry.WithDefer(true))},
			wantNames:   []redress.EventName{redress.EventRetry, redress.EventScheduled},
			wantClasses: []classifier.Class{classifier.Transient},
		},
		{
			name:        "budget exhausted: classified, no sleep",
			opts:        []redress.Option{redress.WithBudget(redresstest.NewBudget(0))},
			wantNames:   []redress.EventName{redress.EventBudgetExhausted},
			wantClasses: []classifier.Class{classifier.Transient},
		},
		{
			name: "aborted: not classified",
			ctx: func(ctx context.Context) context.Context {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return ctx
			},
			wantNames: []redress.EventName{redress.EventAborted},
		},
		{
			name:      "circuit open: not called, not classified",
			opts:      []redress.Option{redress.WithBreaker(redresstest.NewBreaker(breakerOpen))},
			wantNames: []redress.EventName{redress.EventCircuitRejected},
		},
		{
			name:        "two retries, then the cap",
			opts:        []redress.Option{redress.WithRetry(retry.WithMaxAttempts(3))},
			wantNames:   []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventMaxAttemptsExceeded},
			wantClasses: []classifier.Class{classifier.Transient, classifier.Transient, classifier.Transient},
			wantSleeps:  []time.Duration{100 * ms, 100 * ms},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.ctx != nil {
				ctx = tt.ctx(ctx)
			}
			var rec redresstest.Recorder
			opts := append([]redress.Option{
				redresstest.InstantRetries(),
				redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100 * ms))),
				rec.Option(),
			}, tt.opts...)
			_, _ = redress.Execute(ctx, redresstest.AlwaysFail[int](errTransient).Call, opts...)
			if diff := cmp.Diff(tt.wantNames, rec.Names()); diff != "" {
				t.Errorf("Names() (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantClasses, rec.Classes()); diff != "" {
				t.Errorf("Classes() (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSleeps, rec.Sleeps()); diff != "" {
				t.Errorf("Sleeps() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecorderRecordsFallbacks(t *testing.T) {
	var rec redresstest.Recorder
	got, err := redress.Execute(t.Context(), redresstest.AlwaysFail[string](errPermanent).Call,
		redresstest.InstantRetries(),
		redress.WithFallback(func(context.Context, error) (string, error) { return "cached", nil }),
		rec.Option())
	if err != nil || got != "cached" {
		t.Fatalf("Execute = %q, %v; want cached, nil", got, err)
	}
	want := []redresstest.Call{{Attempts: 1, StopReason: redress.StopNonRetryable, FellBack: true}}
	if diff := cmp.Diff(want, rec.Calls()); diff != "" {
		t.Errorf("Calls() (-want +got):\n%s", diff)
	}
}

func TestRecorderMiddlewareRecordsPanics(t *testing.T) {
	var rec redresstest.Recorder
	h := rec.Middleware()(func(context.Context, *redress.Attempt) error { panic("boom") })
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic unchanged", r)
			}
		}()
		_ = h(t.Context(), &redress.Attempt{Number: 2, Operation: "op"})
	}()
	want := []redresstest.Attempt{{Operation: "op", Number: 2, Panicked: true}}
	if diff := cmp.Diff(want, rec.Attempts()); diff != "" {
		t.Errorf("Attempts() (-want +got):\n%s", diff)
	}
}

func TestRecorderRecordsPanickingCalls(t *testing.T) {
	var rec redresstest.Recorder
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic unchanged", r)
			}
		}()
		_ = redress.Do(t.Context(), func(context.Context) error { panic("boom") }, rec.Option())
	}()
	calls, attempts := rec.Calls(), rec.Attempts()
	if len(calls) != 1 || !calls[0].Panicked || len(attempts) != 1 || !attempts[0].Panicked {
		t.Errorf("Calls() = %+v, Attempts() = %+v; want one panicked call and attempt", calls, attempts)
	}
}

// TestRecorderAddsToThePolicy checks that Option adds the Recorder without
// displacing the policy's own observer and middleware.
func TestRecorderAddsToThePolicy(t *testing.T) {
	var own, rec redresstest.Recorder
	policy := redress.MustNew(redresstest.InstantRetries(), own.Option())
	op := redresstest.FailTimes(1, errTransient, "ok")
	if _, err := redress.Execute(t.Context(), op.Call, policy, rec.Option()); err != nil {
		t.Fatal(err)
	}
	want := []redress.EventName{redress.EventRetry, redress.EventSuccess}
	for name, r := range map[string]*redresstest.Recorder{"policy's": &own, "call's": &rec} {
		if diff := cmp.Diff(want, r.Names()); diff != "" {
			t.Errorf("%s recorder: Names() (-want +got):\n%s", name, diff)
		}
		if got := len(r.Attempts()); got != 2 {
			t.Errorf("%s recorder: %d attempts, want 2", name, got)
		}
		if got := len(r.Calls()); got != 1 {
			t.Errorf("%s recorder: %d calls, want 1", name, got)
		}
	}
}

// TestRecorderConcurrentCalls drops no event or attempt when many
// goroutines share one Recorder.
func TestRecorderConcurrentCalls(t *testing.T) {
	const calls = 64
	var rec redresstest.Recorder
	// Concurrent calls on one auto clock see each other's sleeps as time
	// passing, so a deadline would cut them short: none here.
	policy := redress.MustNew(redresstest.InstantRetries(), rec.Option(), redress.WithoutDeadline(),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second))))
	var wg sync.WaitGroup
	for range calls {
		wg.Go(func() {
			op := redresstest.FailTimes(2, errTransient, 1)
			if _, err := redress.Execute(context.Background(), op.Call, policy); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	want := map[string]int{"retry": 2 * calls, "success": calls, "calls": calls, "attempts": 3 * calls, "classes": 2 * calls}
	got := map[string]int{
		"calls":    len(rec.Calls()),
		"retry":    rec.Count(redress.EventRetry),
		"success":  rec.Count(redress.EventSuccess),
		"attempts": len(rec.Attempts()),
		"classes":  len(rec.Classes()),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if got, want := rec.TotalSleep(), 2*calls*time.Second; got != want {
		t.Errorf("TotalSleep() = %v, want %v", got, want)
	}
}
