package breaker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

// TestClockReads pins down which closed-state paths read the clock: counting
// failures reads it only for counted failures, the failure-rate mode for
// every recorded call.
func TestClockReads(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		o    Outcome
		cl   classifier.Class
		want int // clock reads per Allow and Record
	}{
		{"count: success", nil, Success, classifier.Unknown, 0},
		{"count: failure outside TripOn", nil, Failure, classifier.Permanent, 0},
		{"count: cancelled", nil, Cancelled, classifier.Transient, 0},
		{"count: counted failure", nil, Failure, classifier.Transient, 1},
		{"count: class threshold", []Option{WithClassThreshold(classifier.Permanent, 1<<30)}, Failure, classifier.Permanent, 1},
		{"rate: success", []Option{WithFailureRate(1, 1<<30)}, Success, classifier.Unknown, 1},
		{"rate: cancelled", []Option{WithFailureRate(1, 1<<30)}, Cancelled, classifier.Unknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			b := New(append([]Option{WithClock(clk), WithFailureThreshold(1 << 30)}, tt.opts...)...)
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

// TestRecordDoesNotAllocate checks the steady state of each path that a
// busy closed breaker takes, buckets moving on included.
func TestRecordDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		o    Outcome
		cl   classifier.Class
	}{
		{"success", nil, Success, classifier.Unknown},
		{"failure outside TripOn", nil, Failure, classifier.Permanent},
		{"counted failure", nil, Failure, classifier.Transient},
		{"class threshold", []Option{WithClassThreshold(classifier.RateLimit, 1<<30)}, Failure, classifier.RateLimit},
		{"panic", nil, Panicked, classifier.Unknown},
		{"rate: success", []Option{WithFailureRate(1, 1<<30)}, Success, classifier.Unknown},
		{"rate: failure", []Option{WithFailureRate(1, 1<<30)}, Failure, classifier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			b := New(append([]Option{WithClock(clk), WithFailureThreshold(1 << 30)}, tt.opts...)...)
			run := func() {
				clk.Advance(time.Second) // a new bucket every 6 calls
				tk, _ := b.Allow()
				b.Record(tk, tt.o, tt.cl)
			}
			for range 2 * numBuckets * 6 { // warm up: every bucket moved on at least once
				run()
			}
			if got := testing.AllocsPerRun(1000, run); got != 0 {
				t.Errorf("allocations per Allow and Record = %v, want 0", got)
			}
			if got := b.State(); got != Closed {
				t.Errorf("State() = %v, want closed", got)
			}
		})
	}
}

// TestMemoryDoesNotGrowWithFailures records a million failures within one
// window: the breaker counts them all without allocating, so it holds no
// more memory than after ten.
func TestMemoryDoesNotGrowWithFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("a million calls")
	}
	clk := newFakeClock()
	b := New(WithClock(clk), WithFailureThreshold(1<<30))
	record := func() {
		clk.Advance(time.Microsecond) // a million calls span a second of the minute
		tk, _ := b.Allow()
		b.Record(tk, Failure, classifier.Transient)
	}
	for range 10 {
		record()
	}
	const runs = 1_000_000
	allocs := testing.AllocsPerRun(runs, record) // plus one warm-up run

	got := []any{allocs, b.FailureCount(), b.State()}
	want := []any{0.0, 10 + runs + 1, Closed}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("allocations per failure, FailureCount, State (-want +got):\n%s", diff)
	}
}
