package breaker

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

func TestRejectionIsErrOpen(t *testing.T) {
	clk := newFakeClock()
	b := New(WithClock(clk), WithFailureThreshold(1), WithRecoveryTimeout(time.Minute))
	tk, _ := b.Allow()
	b.Record(tk, Failure, classifier.Transient)
	clk.Advance(20 * time.Second)
	_, errOpen := b.Allow()
	clk.Advance(40 * time.Second)
	b.Allow() // takes the only probe slot
	_, errHalfOpen := b.Allow()
	b.ForceOpen()
	_, errForced := b.Allow()

	tests := []struct {
		name string
		give error
		want *OpenError
	}{
		{"open", errOpen, &OpenError{State: Open, RetryIn: 40 * time.Second}},
		{"half-open, probe slots taken", errHalfOpen, &OpenError{State: HalfOpen}},
		{"forced open", errForced, &OpenError{State: Open, Forced: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.give, ErrOpen) {
				t.Errorf("errors.Is(%v, ErrOpen) = false, want true", tt.give)
			}
			var got *OpenError
			if !errors.As(tt.give, &got) {
				t.Fatalf("errors.As(%v, *OpenError) = false, want true", tt.give)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLastFailure(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now()
	b := New(WithClock(clk), WithFailureThreshold(2))
	if got := b.LastFailure(); !got.IsZero() {
		t.Errorf("LastFailure() before any failure = %v, want the zero time", got)
	}
	do := func(o Outcome, cl classifier.Class) {
		tk, err := b.Allow()
		if err != nil {
			t.Fatalf("Allow: %v", err)
		}
		b.Record(tk, o, cl)
	}
	clk.Advance(time.Second)
	do(Failure, classifier.Transient)
	clk.Advance(time.Second)
	do(Failure, classifier.Permanent) // not counted
	do(Success, classifier.Unknown)
	if diff := cmp.Diff(start.Add(time.Second), b.LastFailure()); diff != "" {
		t.Errorf("LastFailure() (-want +got):\n%s", diff)
	}
	b.Reset()
	if diff := cmp.Diff(start.Add(time.Second), b.LastFailure()); diff != "" {
		t.Errorf("LastFailure() after Reset (-want +got):\n%s", diff)
	}
}
