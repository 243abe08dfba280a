package budget

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// grantsConcurrently has n goroutines ask b for one retry each, all at
// once, and returns how many were granted.
func grantsConcurrently(t *testing.T, b Budget, n int) int {
	t.Helper()
	var (
		granted atomic.Int64
		start   = make(chan struct{})
		wg      sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			<-start
			ok, err := b.AllowRetry(context.Background())
			if err != nil {
				t.Errorf("AllowRetry() error = %v", err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(granted.Load())
}

func TestWindowExactUnderConcurrency(t *testing.T) {
	w := New(100, time.Minute)
	if got := grantsConcurrently(t, w, 1000); got != 100 {
		t.Errorf("1000 goroutines got %d grants from New(100, time.Minute), want 100", got)
	}
	if got := w.Remaining(); got != 0 {
		t.Errorf("Remaining() = %d, want 0", got)
	}
}

func TestWindowRecovery(t *testing.T) {
	// A one-minute window of 10 buckets: buckets are 6 s wide, counted from
	// the moment New was called, and a retry spent in bucket k comes back at
	// the start of bucket k+11.
	tests := []struct {
		name          string
		give          int             // maxRetries
		spends        []time.Duration // one AllowRetry at each offset
		at            time.Duration   // offset at which to read Remaining
		wantGranted   int
		wantRemaining int
	}{
		{"unused", 3, nil, 0, 0, 3},
		{"spent", 3, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, 3 * time.Second, 3, 0},
		{"over budget", 3, []time.Duration{0, 0, 0, 0, 0}, 0, 3, 0},
		{"zero budget", 0, []time.Duration{0}, 0, 0, 0},
		{"part of the window later", 3, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, 30 * time.Second, 3, 0},
		{"exactly one window later", 3, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, 63 * time.Second, 3, 0},
		{"just before the bucket leaves", 3, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, 66*time.Second - 1, 3, 0},
		{"bucket has left", 3, []time.Duration{3 * time.Second, 3 * time.Second, 3 * time.Second}, 66 * time.Second, 3, 3},
		{"long after", 3, []time.Duration{3 * time.Second}, 24 * time.Hour, 1, 3},
		{"gradual: first back", 3, []time.Duration{0, 20 * time.Second, 40 * time.Second}, 66 * time.Second, 3, 1},
		{"gradual: second back", 3, []time.Duration{0, 20 * time.Second, 40 * time.Second}, 84 * time.Second, 3, 2},
		{"gradual: third back", 3, []time.Duration{0, 20 * time.Second, 40 * time.Second}, 102 * time.Second, 3, 3},
		{"refused ask spends nothing", 1, []time.Duration{0, 30 * time.Second}, 66 * time.Second, 1, 1},
		{"regranted after recovery", 1, []time.Duration{0, 30 * time.Second, 66 * time.Second}, 66 * time.Second, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			w := New(tt.give, time.Minute, WithClock(clk))
			granted := 0
			for _, at := range tt.spends {
				clk.set(at)
				ok, err := w.AllowRetry(context.Background())
				if err != nil {
					t.Fatalf("AllowRetry() error = %v", err)
				}
				if ok {
					granted++
				}
			}
			clk.set(tt.at)
			if granted != tt.wantGranted {
				t.Errorf("granted %d retries, want %d", granted, tt.wantGranted)
			}
			if got := w.Remaining(); got != tt.wantRemaining {
				t.Errorf("Remaining() = %d, want %d", got, tt.wantRemaining)
			}
		})
	}
}

func TestWindowBuckets(t *testing.T) {
	tests := []struct {
		name      string
		window    time.Duration
		buckets   int
		wantWidth time.Duration
		wantSlots int
	}{
		{"default", time.Minute, 0, 6 * time.Second, 11},
		{"one bucket", time.Minute, 1, time.Minute, 2},
		{"rounded up", 10 * time.Nanosecond, 3, 4 * time.Nanosecond, 4},
		{"wider than the window in nanoseconds", 2 * time.Nanosecond, 5, time.Nanosecond, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.buckets > 0 {
				opts = append(opts, WithBuckets(tt.buckets))
			}
			w := New(1, tt.window, opts...)
			if err := w.Err(); err != nil {
				t.Fatalf("Err() = %v", err)
			}
			got := struct {
				Width time.Duration
				Slots int
			}{w.ring.width, len(w.ring.slots)}
			want := struct {
				Width time.Duration
				Slots int
			}{tt.wantWidth, tt.wantSlots}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("buckets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWindowConcurrentRotation hammers a Window while the clock moves, then
// checks that the running total still equals the base plus the buckets and
// that every spent retry comes back: nothing leaks across rotations.
func TestWindowConcurrentRotation(t *testing.T) {
	clk := newFakeClock()
	w := New(50, time.Second, WithClock(clk), WithBuckets(4))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := w.AllowRetry(context.Background()); err != nil {
					t.Errorf("AllowRetry() error = %v", err)
					return
				}
				if r := w.Remaining(); r < 0 || r > 50 {
					t.Errorf("Remaining() = %d, want 0 to 50", r)
					return
				}
			}
		})
	}
	for range 200 {
		clk.Advance(37 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	sum := int64(0)
	for i := range w.ring.slots {
		sum += w.ring.slots[i].Load()
	}
	if got, want := w.ring.total.Load(), 50+sum; got != want {
		t.Errorf("total = %d, want base + buckets = %d", got, want)
	}
	clk.Advance(2 * time.Second)
	if got := w.Remaining(); got != 50 {
		t.Errorf("Remaining() after the window passed = %d, want 50", got)
	}
}
