package budget

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestRatioExactUnderConcurrency(t *testing.T) {
	tests := []struct {
		name     string
		ratio    float64
		opts     []Option
		requests int
		want     int
	}{
		// 500 requests at 20% deposit 100 retries; no reserve.
		{"deposits only", 0.2, []Option{WithMinPerSecond(0)}, 500, 100},
		// Finagle's defaults reserve 10/s × 10 s = 100 retries.
		{"reserve only", 0, nil, 0, 100},
		{"both", 0.2, nil, 500, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRatio(tt.ratio, tt.opts...)
			var wg sync.WaitGroup
			for range tt.requests {
				wg.Go(r.RecordRequest)
			}
			wg.Wait()
			if got := grantsConcurrently(t, r, 1000); got != tt.want {
				t.Errorf("1000 goroutines got %d grants, want %d", got, tt.want)
			}
		})
	}
}

// ratioStep is one moment of a Ratio's life: at offset At, RecordRequest
// Requests times, then AllowRetry Asks times.
type ratioStep struct {
	At            time.Duration
	Requests      int
	Asks          int
	WantGranted   int
	WantRemaining int
}

func TestRatioMath(t *testing.T) {
	// A TTL of 10 s in 10 buckets: buckets are 1 s wide, counted from the
	// moment NewRatio was called, and an amount recorded in bucket k is
	// forgotten at the start of bucket k+10.
	tests := []struct {
		name  string
		ratio float64
		opts  []Option
		steps []ratioStep
	}{
		{"Finagle defaults reserve 100", 0.2, nil, []ratioStep{
			{At: 0, WantRemaining: 100},
		}},
		{"20% of requests", 0.2, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 4, Asks: 1, WantGranted: 0, WantRemaining: 0},
			{At: 0, Requests: 1, Asks: 2, WantGranted: 1, WantRemaining: 0},
			{At: time.Second, Requests: 10, WantRemaining: 2},
		}},
		{"ratio exact to a millionth", 0.333333, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 3, WantRemaining: 0}, // 0.999999 of a retry
			{At: 0, Requests: 1, WantRemaining: 1},
		}},
		{"ratio above one", 2, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 1, Asks: 3, WantGranted: 2, WantRemaining: 0},
		}},
		{"deposits expire after the TTL", 0.2, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 10, WantRemaining: 2},
			{At: 500 * time.Millisecond, Requests: 5, WantRemaining: 3},
			{At: 10*time.Second - 1, WantRemaining: 3},
			{At: 10 * time.Second, Asks: 1, WantGranted: 0, WantRemaining: 0},
		}},
		{"deposits expire bucket by bucket", 0.5, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 2, WantRemaining: 1},
			{At: 3 * time.Second, Requests: 4, WantRemaining: 3},
			{At: 10 * time.Second, WantRemaining: 2},
			{At: 13 * time.Second, WantRemaining: 0},
		}},
		{"the minimum per second", 0, []Option{WithMinPerSecond(1)}, []ratioStep{
			{At: 0, Asks: 11, WantGranted: 10, WantRemaining: 0},
			{At: 10*time.Second - 1, Asks: 1, WantGranted: 0, WantRemaining: 0},
			{At: 10 * time.Second, Asks: 1, WantGranted: 1, WantRemaining: 9},
		}},
		{"minimum scales with the TTL", 0, []Option{WithMinPerSecond(3), WithTTL(2 * time.Second)}, []ratioStep{
			{At: 0, WantRemaining: 6},
		}},
		{"fractional minimum", 0.1, []Option{WithMinPerSecond(0.25)}, []ratioStep{
			{At: 0, WantRemaining: 2}, // 2.5 retries in reserve
			{At: 0, Requests: 5, WantRemaining: 3},
		}},
		{"withdrawals outlive their deposits: debt", 0.5, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 4, WantRemaining: 2},
			{At: 5 * time.Second, Asks: 2, WantGranted: 2, WantRemaining: 0},
			{At: 10 * time.Second, WantRemaining: 0}, // balance -2
			{At: 12 * time.Second, Requests: 4, Asks: 1, WantGranted: 0, WantRemaining: 0},
			{At: 15 * time.Second, WantRemaining: 2},
		}},
		{"repeated options replace", 0, []Option{WithMinPerSecond(5), WithTTL(time.Second), WithMinPerSecond(1), WithTTL(3 * time.Second)}, []ratioStep{
			{At: 0, WantRemaining: 3},
		}},
		{"no ratio, no minimum", 0, []Option{WithMinPerSecond(0)}, []ratioStep{
			{At: 0, Requests: 1000, Asks: 1, WantGranted: 0, WantRemaining: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			r := NewRatio(tt.ratio, append([]Option{WithClock(clk)}, tt.opts...)...)
			if err := r.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			for i, s := range tt.steps {
				clk.set(s.At)
				for range s.Requests {
					r.RecordRequest()
				}
				granted := 0
				for range s.Asks {
					ok, err := r.AllowRetry(context.Background())
					if err != nil {
						t.Fatalf("step %d: AllowRetry() error = %v", i, err)
					}
					if ok {
						granted++
					}
				}
				if granted != s.WantGranted {
					t.Errorf("step %d: granted %d retries, want %d", i, granted, s.WantGranted)
				}
				if got := r.Remaining(); got != s.WantRemaining {
					t.Errorf("step %d: Remaining() = %d, want %d", i, got, s.WantRemaining)
				}
			}
		})
	}
}

func TestRatioOutcomesAreIgnored(t *testing.T) {
	r := NewRatio(0.2, WithMinPerSecond(0))
	for range 10 {
		r.RecordOutcome(false)
		r.RecordOutcome(true)
	}
	if got := r.Remaining(); got != 0 {
		t.Errorf("Remaining() after outcomes only = %d, want 0", got)
	}
}
