package budget

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// In any rolling window, a Window never grants more than maxRetries, for
// windows that divide evenly into buckets and windows that do not, and at
// every bucket boundary. Single goroutine, random step sizes, checked
// against the list of grant times.
func TestWindowRollingInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		max     int
		window  time.Duration
		buckets int
	}{
		{5, 60 * time.Second, 10},
		{3, 1001 * time.Millisecond, 10},
		{7, 17 * time.Nanosecond, 10},
		{4, 10 * time.Second, 1},
		{2, 3 * time.Nanosecond, 7},
	} {
		clk := newFakeClock()
		w := New(tc.max, tc.window, WithClock(clk), WithBuckets(tc.buckets))
		var grants []time.Time
		for range 20000 {
			// Steps concentrated around bucket widths.
			step := time.Duration(rng.Int64N(int64(tc.window)/int64(tc.buckets)*2 + 2))
			clk.Advance(step)
			now := clk.Now()
			ok, _ := w.AllowRetry(context.Background())
			if ok {
				grants = append(grants, now)
			}
			// Count grants in (now-window, now].
			n := 0
			for i := len(grants) - 1; i >= 0 && now.Sub(grants[i]) < tc.window; i-- {
				n++
			}
			if n > tc.max {
				t.Fatalf("%+v: %d grants within one window ending %v", tc, n, now)
			}
		}
		if len(grants) == 0 {
			t.Errorf("%+v: no grants at all", tc)
		}
	}
}

// A minimum per second whose reserve (minimum × TTL) is below one whole
// retry would never grant anything: it is a configuration error.
func TestRatioReserveBelowOneRetryIsInvalid(t *testing.T) {
	r := NewRatio(0.2, WithTTL(50*time.Millisecond), WithMinPerSecond(10))
	if err := r.Err(); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Err() = %v, want ErrInvalidConfig for a reserve of 0.5 retries", err)
	}
	if err := NewRatio(0.2, WithTTL(100*time.Millisecond), WithMinPerSecond(10)).Err(); err != nil {
		t.Errorf("a reserve of exactly one retry: Err() = %v, want nil", err)
	}
}
