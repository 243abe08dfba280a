package redresstest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

const breakerOpen = breaker.Open

func TestBreakerAllow(t *testing.T) {
	type answer struct {
		Allowed bool
		Probe   bool
		State   breaker.State // of the rejection
	}
	allowed := answer{Allowed: true}
	tests := []struct {
		name   string
		state  breaker.State
		script []bool
		want   []answer // of three calls
	}{
		{"closed allows", breaker.Closed, nil, []answer{allowed, allowed, allowed}},
		{"open rejects", breaker.Open, nil, []answer{{State: breaker.Open}, {State: breaker.Open}, {State: breaker.Open}}},
		{"half-open allows probes", breaker.HalfOpen, nil, []answer{{Allowed: true, Probe: true}, {Allowed: true, Probe: true}, {Allowed: true, Probe: true}}},
		{"script overrides closed, then the state decides", breaker.Closed, []bool{false, true}, []answer{{State: breaker.Open}, allowed, allowed}},
		{"script overrides open", breaker.Open, []bool{true}, []answer{allowed, {State: breaker.Open}, {State: breaker.Open}}},
		{"rejected half-open says so", breaker.HalfOpen, []bool{false}, []answer{{State: breaker.HalfOpen}, {Allowed: true, Probe: true}, {Allowed: true, Probe: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := redresstest.NewBreaker(tt.state)
			b.ScriptAllow(tt.script...)
			var got []answer
			wantAllowed, wantRejected := 0, 0
			for range 3 {
				ticket, err := b.Allow()
				a := answer{Allowed: err == nil, Probe: ticket.Probe}
				var oe *breaker.OpenError
				if errors.As(err, &oe) {
					a.State = oe.State
				}
				if err != nil && !errors.Is(err, breaker.ErrOpen) {
					t.Errorf("rejection %v does not match breaker.ErrOpen", err)
				}
				if a.Allowed {
					wantAllowed++
				} else {
					wantRejected++
				}
				got = append(got, a)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if b.Allowed() != wantAllowed || b.Rejected() != wantRejected {
				t.Errorf("Allowed(), Rejected() = %d, %d; want %d, %d", b.Allowed(), b.Rejected(), wantAllowed, wantRejected)
			}
		})
	}
}

func TestBreakerRecordFollowsScriptedStates(t *testing.T) {
	b := redresstest.NewBreaker(breaker.Closed)
	b.ScriptStates(breaker.Open)
	b.ScriptStates(breaker.HalfOpen, breaker.HalfOpen)
	b.ScriptAllow(true, true, true, true) // let calls through while open
	outcomes := []breaker.Outcome{breaker.Failure, breaker.Success, breaker.Cancelled, breaker.Success}
	var got []breaker.Transition
	var want []redresstest.BreakerRecord
	for i, o := range outcomes {
		ticket, err := b.Allow()
		if err != nil {
			t.Fatalf("Allow %d: %v", i+1, err)
		}
		got = append(got, b.Record(ticket, o, classifier.Class(i)))
		want = append(want, redresstest.BreakerRecord{Ticket: ticket, Outcome: o, Class: classifier.Class(i)})
	}
	wantTransitions := []breaker.Transition{
		{From: breaker.Closed, To: breaker.Open},
		{From: breaker.Open, To: breaker.HalfOpen},
		{From: breaker.HalfOpen, To: breaker.HalfOpen},
		{},
	}
	if diff := cmp.Diff(wantTransitions, got); diff != "" {
		t.Errorf("transitions (-want +got):\n%s", diff)
	}
	if got := b.State(); got != breaker.HalfOpen {
		t.Errorf("State() = %v, want half_open", got)
	}
	if diff := cmp.Diff(want, b.Records()); diff != "" {
		t.Errorf("Records() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(outcomes, b.Outcomes()); diff != "" {
		t.Errorf("Outcomes() (-want +got):\n%s", diff)
	}
	// Each change of state starts a new generation, as on a real breaker.
	var gens []uint64
	for _, r := range b.Records() {
		gens = append(gens, r.Ticket.Generation)
	}
	if diff := cmp.Diff([]uint64{0, 1, 2, 2}, gens); diff != "" {
		t.Errorf("ticket generations (-want +got):\n%s", diff)
	}
}

func TestBreakerSetState(t *testing.T) {
	b := redresstest.NewBreaker(breaker.Closed)
	b.SetState(breaker.Open)
	if _, err := b.Allow(); !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("Allow after SetState(Open): err = %v, want breaker.ErrOpen", err)
	}
	b.SetState(breaker.Closed)
	if _, err := b.Allow(); err != nil {
		t.Errorf("Allow after SetState(Closed): err = %v, want nil", err)
	}
}

// TestBreakerInThePipeline checks what Execute tells the fake for each
// kind of call, and that the observer hears of the scripted change.
func TestBreakerInThePipeline(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name         string
		state        breaker.State
		ctx          context.Context
		op           *redresstest.Script[int]
		wantCalls    int
		wantOutcomes []breaker.Outcome
		wantReason   redress.StopReason
	}{
		{"success", breaker.Closed, context.Background(), redresstest.FailTimes(1, errTransient, 1), 2, []breaker.Outcome{breaker.Success}, ""},
		{"failure after retries", breaker.Closed, context.Background(), redresstest.AlwaysFail[int](errTransient), 6, []breaker.Outcome{breaker.Failure}, redress.StopMaxAttempts},
		{"caller gone before the call: nothing runs", breaker.Closed, canceled, redresstest.AlwaysFail[int](errTransient), 0, nil, redress.StopAborted},
		{"open: op not called", breaker.Open, context.Background(), redresstest.FailThen(1), 0, nil, redress.StopCircuitOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := redresstest.NewBreaker(tt.state)
			_, err := redress.Execute(tt.ctx, tt.op.Call, redresstest.InstantRetries(), redress.WithBreaker(b))
			var reason redress.StopReason
			if err != nil {
				reason = stopOf(t, err).Reason
			}
			if reason != tt.wantReason {
				t.Errorf("stop reason %q, want %q", reason, tt.wantReason)
			}
			if got := tt.op.Calls(); got != tt.wantCalls {
				t.Errorf("op called %d times, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantOutcomes, b.Outcomes()); diff != "" {
				t.Errorf("Outcomes() (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("scripted trip reaches the observer", func(t *testing.T) {
		b := redresstest.NewBreaker(breaker.Closed)
		b.ScriptStates(breaker.Open)
		var rec redresstest.Recorder
		_, _ = redress.Execute(t.Context(), redresstest.AlwaysFail[int](errPermanent).Call,
			redresstest.InstantRetries(), redress.WithBreaker(b), rec.Option())
		_, err := redress.Execute(t.Context(), redresstest.FailThen(1).Call,
			redresstest.InstantRetries(), redress.WithBreaker(b), rec.Option())
		if !errors.Is(err, breaker.ErrOpen) {
			t.Errorf("second call: err = %v, want breaker.ErrOpen", err)
		}
		want := []redress.EventName{redress.EventPermanentFail, redress.EventCircuitOpened, redress.EventCircuitRejected}
		if diff := cmp.Diff(want, rec.Names()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}
