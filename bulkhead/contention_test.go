package bulkhead_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-go/redress/bulkhead"
)

// TestContention sends 1,000 goroutines at a bulkhead of 8 slots, on the
// real clock, mixing every way in: TryAcquire, Acquire that waits as long
// as it takes, and Acquire whose context is cancelled at a random moment.
// Nobody may ever hold a slot beyond the limit, every acquire must be
// accounted for, and no wake-up may be lost: a waiter whose slot went
// missing would wait until the watchdog context ends, and fail.
func TestContention(t *testing.T) {
	const (
		limit   = 8
		callers = 1000
		rounds  = 20
	)
	b := bulkhead.New(limit, bulkhead.WithMaxWait(time.Hour))
	// The watchdog: no waiter that nobody cancels may see it end.
	watchdog, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()

	var (
		inside, most                   atomic.Int64
		got, refused, cancelled, stray atomic.Int64
		wg                             sync.WaitGroup
	)
	hold := func() {
		now := inside.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		if n := b.InUse(); n > limit {
			t.Errorf("InUse() = %d, above the limit of %d", n, limit)
		}
		runtime.Gosched()
		inside.Add(-1)
		b.Release()
	}
	for i := range callers {
		wg.Go(func() {
			for r := range rounds {
				switch (i + r) % 3 {
				case 0:
					if !b.TryAcquire() {
						refused.Add(1)
						continue
					}
				case 1:
					if err := b.Acquire(watchdog); err != nil {
						stray.Add(1)
						t.Errorf("Acquire with nothing to end its wait = %v", err)
						continue
					}
				case 2:
					ctx, cancel := context.WithCancel(watchdog)
					go func() { runtime.Gosched(); cancel() }()
					err := b.Acquire(ctx)
					cancel()
					if err == context.Canceled {
						cancelled.Add(1)
						continue
					}
					if err != nil {
						stray.Add(1)
						t.Errorf("Acquire with a cancelled context = %v, want nil or context.Canceled", err)
						continue
					}
				}
				got.Add(1)
				hold()
			}
		})
	}
	wg.Wait()

	total := got.Load() + refused.Load() + cancelled.Load() + stray.Load()
	if total != callers*rounds {
		t.Errorf("acquired %d + refused %d + cancelled %d + failed %d = %d, want %d",
			got.Load(), refused.Load(), cancelled.Load(), stray.Load(), total, callers*rounds)
	}
	if m := most.Load(); m > limit {
		t.Errorf("at most %d held a slot at once, want at most %d", m, limit)
	}
	if n := b.InUse(); n != 0 {
		t.Errorf("InUse() = %d at the end, want 0", n)
	}
	// Every slot is free and nobody waits: all of them can be taken.
	for i := range limit {
		if !b.TryAcquire() {
			t.Fatalf("TryAcquire %d of %d at the end = false", i+1, limit)
		}
	}
	t.Logf("acquired %d, refused %d, cancelled %d, most at once %d", got.Load(), refused.Load(), cancelled.Load(), most.Load())
}
