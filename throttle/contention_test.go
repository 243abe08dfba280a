package throttle_test

import (
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

// TestContention has 1,000 goroutines ask and record at once. While the
// clock stands still, every count must land: the probability at the end
// is the formula over exactly what the goroutines did. Then they go on
// while another goroutine moves the clock through many buckets, and the
// probability must stay within [0, 1].
func TestContention(t *testing.T) {
	const goroutines, rounds = 1000, 50
	clk := redresstest.NewClock(start)
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(5))
	var requests, accepts atomic.Int64
	run := func() {
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for r := range rounds {
					if !th.Allow() {
						requests.Add(1)
						continue
					}
					ok := (g+r)%3 != 0 // a third fail: the throttle refuses some
					th.Record(ok)
					requests.Add(1)
					if ok {
						accepts.Add(1)
					}
					if p := th.Probability(); !(p >= 0 && p <= 1) {
						t.Errorf("Probability() = %v", p)
					}
				}
			})
		}
		wg.Wait()
	}

	run()
	want := formula(int(requests.Load()), int(accepts.Load()), 2, 8)
	if got := th.Probability(); math.Abs(got-want) > 1e-12 {
		t.Errorf("Probability() = %v after %d requests and %d accepts, want %v", got, requests.Load(), accepts.Load(), want)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 500 {
			clk.Advance(time.Second)
		}
	}()
	run()
	<-done
	clk.Advance(2 * time.Minute)
	if got := th.Probability(); got != 0 {
		t.Errorf("Probability() a window after the last request = %v, want 0", got)
	}
}
