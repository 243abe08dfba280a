package breaker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

// TestWindowGranularity shows when a failure stops counting in a 10 s
// window of ten 1 s buckets: when the bucket it fell in leaves the window,
// between 9 s and 10 s after it happened.
func TestWindowGranularity(t *testing.T) {
	tests := []struct {
		name      string
		failAt    time.Duration // since the breaker was made
		countedAt []time.Duration
		want      []int
	}{
		{
			name:      "at the start of a bucket",
			failAt:    0,
			countedAt: []time.Duration{9*time.Second + 999*time.Millisecond, 10 * time.Second},
			want:      []int{1, 0},
		},
		{
			name:      "in the middle of a bucket",
			failAt:    500 * time.Millisecond,
			countedAt: []time.Duration{9*time.Second + 999*time.Millisecond, 10 * time.Second},
			want:      []int{1, 0},
		},
		{
			name:      "at the end of a bucket",
			failAt:    999 * time.Millisecond,
			countedAt: []time.Duration{9*time.Second + 999*time.Millisecond, 10 * time.Second},
			want:      []int{1, 0},
		},
		{
			name:      "long after",
			failAt:    time.Hour + 300*time.Millisecond,
			countedAt: []time.Duration{time.Hour + 9*time.Second, time.Hour + 10*time.Second},
			want:      []int{1, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			start := clk.Now()
			b := New(WithClock(clk), WithWindow(10*time.Second))
			clk.Advance(tt.failAt)
			tk, _ := b.Allow()
			b.Record(tk, Failure, classifier.Transient)
			var got []int
			for _, at := range tt.countedAt {
				clk.Advance(start.Add(at).Sub(clk.Now()))
				got = append(got, b.FailureCount())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FailureCount() at %v (-want +got):\n%s", tt.countedAt, diff)
			}
		})
	}
}

func TestWindowDropsEventsOlderThanItsBuckets(t *testing.T) {
	var w window
	w.init(10)
	w.add(5*numBuckets*10, event{failure: true}) // moves bucket 0 to interval 50
	w.add(0, event{failure: true})               // interval 0 shares bucket 0: dropped
	w.add(0, event{failure: true, class: classifier.RateLimit, ofClass: true})

	got := w.sum(5*numBuckets*10, classifier.RateLimit)
	if diff := cmp.Diff(totals{failures: 1, counted: 1}, got, cmp.AllowUnexported(totals{})); diff != "" {
		t.Errorf("sum (-want +got):\n%s", diff)
	}
}
