package bulkhead

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// The tests of this file race a Release against a waiter's wait ending,
// many times over, so that each outcome of the race happens: the waiter
// gets the slot, gives up first (and the Release finds the queue empty),
// or is granted the slot just as it gives up (and keeps it, or passes it
// on). Whatever happens, the slots must add up afterwards.

// queued spins until n waiters are in b's queue.
func queued(b *Bulkhead, n uint64) {
	for b.state.Load()>>32 < n {
		runtime.Gosched()
	}
}

// TestReleaseRacesCancel races a Release with the cancellation of the
// waiter it would hand the slot to.
func TestReleaseRacesCancel(t *testing.T) {
	var got, cancelled int
	for range 2000 {
		b := New(1, WithMaxWait(time.Hour))
		b.TryAcquire()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- b.Acquire(ctx) }()
		queued(b, 1)
		var wg sync.WaitGroup
		wg.Go(cancel)
		wg.Go(b.Release)
		wg.Wait()
		switch err := <-errc; err {
		case nil:
			got++
			if s := b.state.Load(); s != 1 {
				t.Fatalf("the waiter got the slot: state = %#x, want 1 slot, no waiter", s)
			}
		case context.Canceled:
			cancelled++
			if s := b.state.Load(); s != 0 {
				t.Fatalf("the waiter gave up: state = %#x, want nothing taken, no waiter", s)
			}
		default:
			t.Fatalf("Acquire = %v, want nil or context.Canceled", err)
		}
	}
	t.Logf("the waiter got the slot %d times, gave up %d times", got, cancelled)
}

// TestReleaseRacesMaxWait races a Release with the end of the maximum
// wait on the real clock.
func TestReleaseRacesMaxWait(t *testing.T) {
	var got, full int
	for range 2000 {
		b := New(1, WithMaxWait(time.Microsecond))
		b.TryAcquire()
		errc := make(chan error, 1)
		go func() { errc <- b.Acquire(context.Background()) }()
		runtime.Gosched()
		b.Release()
		switch err := <-errc; err {
		case nil:
			got++
			if s := b.state.Load(); s != 1 {
				t.Fatalf("the waiter got the slot: state = %#x, want 1 slot, no waiter", s)
			}
		case ErrFull:
			full++
			if s := b.state.Load(); s != 0 {
				t.Fatalf("the waiter gave up: state = %#x, want nothing taken, no waiter", s)
			}
		default:
			t.Fatalf("Acquire = %v, want nil or ErrFull", err)
		}
	}
	t.Logf("the waiter got the slot %d times, gave up %d times", got, full)
}
