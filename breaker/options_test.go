package breaker

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		give []Option
		want string
	}{
		{"threshold 0", []Option{WithFailureThreshold(0)}, "breaker: invalid configuration: WithFailureThreshold(0): n must be at least 1"},
		{"window 0", []Option{WithWindow(0)}, "breaker: invalid configuration: WithWindow(0s): the window must be at least 10ns (one nanosecond per bucket)"},
		{"window below a nanosecond per bucket", []Option{WithWindow(9)}, "breaker: invalid configuration: WithWindow(9ns): the window must be at least 10ns (one nanosecond per bucket)"},
		{"nil option", []Option{nil}, "breaker: invalid configuration: Option(nil): an option is nil"},
		{"negative recovery", []Option{WithRecoveryTimeout(-time.Second)}, "breaker: invalid configuration: WithRecoveryTimeout(-1s): the recovery timeout must be positive"},
		{"probes 0", []Option{WithHalfOpenProbes(0)}, "breaker: invalid configuration: WithHalfOpenProbes(0): n must be at least 1"},
		{"nil clock", []Option{WithClock(nil)}, "breaker: invalid configuration: WithClock(nil): the clock must not be nil"},
		{"nil listener", []Option{WithOnStateChange(nil)}, "breaker: invalid configuration: WithOnStateChange(nil): the listener must not be nil"},
		{"ratio 0", []Option{WithFailureRate(0, 10)}, "breaker: invalid configuration: WithFailureRate(0, 10): the ratio must be in (0, 1]"},
		{"ratio above 1", []Option{WithFailureRate(1.5, 10)}, "breaker: invalid configuration: WithFailureRate(1.5, 10): the ratio must be in (0, 1]"},
		{"ratio NaN", []Option{WithFailureRate(math.NaN(), 10)}, "breaker: invalid configuration: WithFailureRate(NaN, 10): the ratio must be in (0, 1]"},
		{"min calls 0", []Option{WithFailureRate(0.5, 0)}, "breaker: invalid configuration: WithFailureRate(0.5, 0): minCalls must be at least 1"},
		{"trip on an invalid class", []Option{WithTripOn(classifier.Transient, classifier.Class(8))}, "breaker: invalid configuration: WithTripOn(Class(8)): not a class"},
		{"threshold of an invalid class", []Option{WithClassThreshold(classifier.Class(200), 3)}, "breaker: invalid configuration: WithClassThreshold(Class(200), 3): not a class"},
		{"class threshold 0", []Option{WithClassThreshold(classifier.RateLimit, 0)}, "breaker: invalid configuration: WithClassThreshold(RATE_LIMIT, 0): n must be at least 1"},
		{
			"every invalid option is named",
			[]Option{WithFailureThreshold(-1), WithWindow(time.Minute), WithHalfOpenProbes(-2)},
			"breaker: invalid configuration: WithFailureThreshold(-1): n must be at least 1\n" +
				"breaker: invalid configuration: WithHalfOpenProbes(-2): n must be at least 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.give...)
			err := b.Err()
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Err() = %v, want an error wrapping ErrInvalidConfig", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Err().Error() (-want +got):\n%s", diff)
			}
			tk, allowErr := b.Allow()
			if allowErr != err {
				t.Errorf("Allow() error = %v, want the configuration error %v", allowErr, err)
			}
			// Nothing else may panic or change state.
			if tr := b.Record(tk, Failure, classifier.Transient); tr.Changed() {
				t.Errorf("Record() = %v, want no change", tr)
			}
			b.ForceOpen()
			b.Reset()
			got := []any{b.State(), b.IsOpen(), b.FailureCount(), b.LastFailure()}
			want := []any{Closed, false, 0, time.Time{}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("State, IsOpen, FailureCount, LastFailure (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidOptions(t *testing.T) {
	b := New(
		WithFailureThreshold(1), WithWindow(10*time.Nanosecond), WithRecoveryTimeout(time.Nanosecond),
		WithHalfOpenProbes(100), WithFailureRate(1, 1), WithTripOn(),
		WithClassThreshold(classifier.Unknown, 1), WithClock(newFakeClock()),
		WithOnStateChange(func(from, to State) {}),
	)
	if err := b.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

func TestStrings(t *testing.T) {
	got := []string{
		Closed.String(), HalfOpen.String(), Open.String(), State(7).String(),
		Success.String(), Failure.String(), Panicked.String(), Cancelled.String(), Outcome(9).String(),
		Transition{}.String(), Transition{From: Open, To: HalfOpen}.String(),
	}
	want := []string{
		"closed", "half_open", "open", "State(7)",
		"success", "failure", "panicked", "cancelled", "Outcome(9)",
		"closed->closed", "open->half_open",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
