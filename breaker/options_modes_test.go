package breaker

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

func TestInvalidModeOptions(t *testing.T) {
	tests := []struct {
		name string
		give []Option
		want string
	}{
		{"consecutive 0", []Option{WithConsecutiveFailures(0)}, "breaker: invalid configuration: WithConsecutiveFailures(0): n must be at least 1"},
		{"consecutive negative", []Option{WithConsecutiveFailures(-5)}, "breaker: invalid configuration: WithConsecutiveFailures(-5): n must be at least 1"},
		{"consecutive too many", []Option{WithConsecutiveFailures(math.MaxInt)}, "breaker: invalid configuration: WithConsecutiveFailures(9223372036854775807): n must be at most 4294967295"},
		{"success threshold 0", []Option{WithSuccessThreshold(0)}, "breaker: invalid configuration: WithSuccessThreshold(0): n must be at least 1"},
		{"negative probe wait", []Option{WithMaxProbeWait(-time.Second)}, "breaker: invalid configuration: WithMaxProbeWait(-1s): d must not be negative (0 turns reclaiming off)"},
		{"nil option among new ones", []Option{WithConsecutiveFailures(3), nil}, "breaker: invalid configuration: Option(nil): an option is nil"},
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
			// The new methods neither panic nor change anything.
			got := []any{
				b.OpenFor(time.Second), b.AddFailures(10, classifier.Transient), b.OpenUntil(),
				b.Metrics(), b.State(),
			}
			want := []any{Transition{}, Transition{}, time.Time{}, Metrics{}, Closed}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("OpenFor, AddFailures, OpenUntil, Metrics, State (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidModeOptions(t *testing.T) {
	b := New(
		WithConsecutiveFailures(1), WithConsecutiveFailures(maxConsecutive), WithSuccessThreshold(1),
		WithSuccessThreshold(math.MaxInt), WithMaxProbeWait(0), WithMaxProbeWait(time.Nanosecond),
	)
	if err := b.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

// TestModeClockReads extends TestClockReads to the consecutive-failures
// mode: a success reads no clock, a counted failure one.
func TestModeClockReads(t *testing.T) {
	tests := []struct {
		name string
		o    Outcome
		cl   classifier.Class
		want int
	}{
		{"success", Success, classifier.Unknown, 0},
		{"failure outside TripOn", Failure, classifier.Permanent, 0},
		{"cancelled", Cancelled, classifier.Transient, 0},
		{"counted failure", Failure, classifier.Transient, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			b := New(WithClock(clk), WithConsecutiveFailures(1<<30))
			before := clk.Reads()
			const calls = 10
			for range calls {
				tk, err := b.Allow()
				if err != nil {
					t.Fatalf("Allow: %v", err)
				}
				b.Record(tk, tt.o, tt.cl)
			}
			if got := (clk.Reads() - before) / calls; got != tt.want {
				t.Errorf("clock reads per call = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestConsecutiveModeDoesNotAllocate(t *testing.T) {
	outcomes := []Outcome{Success, Failure, Failure, Success, Panicked, Cancelled}
	clk := newFakeClock()
	b := New(WithClock(clk), WithConsecutiveFailures(3), WithClassThreshold(classifier.RateLimit, 1<<30))
	i := 0
	run := func() {
		clk.Advance(time.Second)
		tk, _ := b.Allow()
		b.Record(tk, outcomes[i%len(outcomes)], classifier.Transient)
		i++
	}
	for range 2 * numBuckets * 6 {
		run()
	}
	if got := testing.AllocsPerRun(1000, run); got != 0 {
		t.Errorf("allocations per Allow and Record = %v, want 0", got)
	}
	if got := b.State(); got != Closed {
		t.Errorf("State() = %v, want closed (never 3 failures in a row)", got)
	}
}
