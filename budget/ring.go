package budget

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// ring is a fixed ring of time buckets holding signed amounts, plus a
// running total: a base amount plus the sum of the live buckets. Window's
// base is its maximum and each spent retry is -1; Ratio's base is its
// reserve, each deposit positive and each withdrawal negative.
//
// Bucket b covers [origin + b·width, origin + (b+1)·width). head is the
// newest bucket seen; the live buckets are head-len(slots)+1 … head, and
// bucket b lives in slots[b % len(slots)].
//
// The hot paths take no lock. Callers decide on total with a CAS loop
// (so two goroutines can never both take the last unit), then add the same
// amount to the slot of the bucket they were given. Only moving head takes
// mu: it clears the slots of the buckets that left, subtracting each from
// total, and stores the new head only after clearing them, so a goroutine
// that loads a head always adds to an already cleared slot.
//
// A goroutine descheduled between its CAS on total and its slot add can
// find its slot recycled for a newer bucket; its amount is then counted
// for longer than it should. For a spent retry that errs on the safe side;
// for a deposit it can lend one request's share an extra lifetime, which is
// harmless. total never leaks: every amount added to it reaches a slot and
// leaves with that slot.
type ring struct {
	clock  clock.Clock
	origin time.Time
	width  time.Duration
	head   atomic.Int64
	total  atomic.Int64
	mu     sync.Mutex // held only while moving head
	slots  []atomic.Int64
}

// init sets r up with n slots of the given width and total at base.
func (r *ring) init(c clock.Clock, n int, width time.Duration, base int64) {
	r.clock = c
	r.origin = c.Now()
	r.width = width
	r.slots = make([]atomic.Int64, n)
	r.total.Store(base)
}

// now returns the bucket to record into at the clock's current time.
func (r *ring) now() int64 { return r.bucket(r.clock.Now()) }

// bucket returns the bucket to record into at now, first expiring the
// buckets that have left the ring. Readings earlier than head (a clock
// that went back, or a goroutine that read it long ago) go into head.
func (r *ring) bucket(now time.Time) int64 {
	b := int64(0)
	if d := now.Sub(r.origin); d > 0 {
		b = int64(d / r.width)
	}
	if h := r.head.Load(); b <= h {
		return h
	}
	return r.advance(b)
}

// advance moves head to b, or leaves it if another goroutine moved it at
// least as far, and returns the head.
func (r *ring) advance(b int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.head.Load()
	if b <= h {
		return h
	}
	n := int64(len(r.slots))
	from := max(h+1, b-n+1) // past n buckets, every slot is recycled
	for i := from; i <= b; i++ {
		r.total.Add(-r.slots[i%n].Swap(0))
	}
	r.head.Store(b)
	return b
}

// take subtracts amount from total and records it in bucket b, but only if
// total stays at least floor; it reports whether it did.
func (r *ring) take(b, amount, floor int64) bool {
	for {
		t := r.total.Load()
		if t-amount < floor {
			return false
		}
		if r.total.CompareAndSwap(t, t-amount) {
			r.slots[b%int64(len(r.slots))].Add(-amount)
			return true
		}
	}
}

// put adds amount to total and records it in bucket b.
func (r *ring) put(b, amount int64) {
	r.total.Add(amount)
	r.slots[b%int64(len(r.slots))].Add(amount)
}
