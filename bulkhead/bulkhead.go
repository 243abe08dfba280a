// Package bulkhead bounds how many executions of an operation run at once,
// so that one slow dependency cannot take every goroutine, connection or
// file descriptor of a process, and calls to other dependencies keep
// working.
//
// A Bulkhead holds a fixed number of slots. TryAcquire takes one if one is
// free and never waits; Acquire may wait for one, up to a maximum wait
// (WithMaxWait) and never past the end of its context. Every slot taken is
// given back with Release:
//
//	bh := bulkhead.New(20, bulkhead.WithMaxWait(50*time.Millisecond))
//	if err := bh.Acquire(ctx); err != nil {
//		return err // bulkhead.ErrFull, or the context's error
//	}
//	defer bh.Release()
//
// Share one Bulkhead among every caller of the same dependency. With the
// redress package, redress.WithBulkhead runs each attempt (or each call)
// of a policy under one.
package bulkhead

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// ErrFull is the error of an Acquire that found every slot taken and could
// not get one within the maximum wait.
var ErrFull = errors.New("bulkhead: full")

// errNotMade is the configuration error of a Bulkhead not made by New.
var errNotMade = fmt.Errorf("%w: a Bulkhead must be made by New", ErrInvalidConfig)

// maxLimit is the largest number of slots: the slots taken must fit in
// the low half of the state word.
const maxLimit = math.MaxInt32

// oneWaiter is one waiter in the high half of the state word, and adding
// lessOneWaiter takes one away.
const (
	oneWaiter     = 1 << 32
	lessOneWaiter = ^uint64(oneWaiter - 1)
)

// Bulkhead is a concurrency limit of a fixed number of slots. Make one with
// New; the zero Bulkhead has no slots and refuses every acquire. A
// Bulkhead is safe for concurrent use, and is meant to be shared by every
// caller of the same dependency.
//
// Taking a free slot and giving it back cost one atomic compare-and-swap
// each: no lock, no allocation. Only a caller that waits takes a lock, to
// join a first-come, first-served queue; a slot given back while someone
// waits goes to the longest waiter, and TryAcquire does not take a slot
// ahead of the queue.
type Bulkhead struct {
	// state packs the slots taken (low 32 bits) with the number of
	// queued waiters (high 32 bits). The waiter count changes only under
	// mu, and is non-zero only while every slot is taken (a slot given
	// back then goes to a waiter, so the slots taken stay at limit). So
	// state < limit exactly when a slot is free and nobody waits: the one
	// test of the lock-free paths.
	//
	// A lock-free Release cannot miss a waiter that is joining the queue:
	// the waiter adds itself to the count by a compare-and-swap of the same
	// word, so the Release's own compare-and-swap fails and it looks again,
	// sees the waiter, and hands it the slot under mu, by which time the
	// waiter is in the queue (it joins the count and the queue under mu).
	state atomic.Uint64
	limit uint64 // 0 when the bulkhead is not valid: every acquire fails

	n       int
	maxWait time.Duration
	clock   clock.Clock
	err     error

	mu         sync.Mutex
	head, tail *waiter // the queue, oldest first
}

// waiter is a caller of Acquire waiting for a slot.
type waiter struct {
	ready      chan struct{} // closed when granted
	granted    bool          // under mu: a slot was handed over
	prev, next *waiter
}

// New returns a bulkhead of n slots. By default a caller that finds every
// slot taken does not wait (see WithMaxWait).
//
// New does not panic on invalid input (n below 1 or above math.MaxInt32,
// a negative wait, a nil clock or a nil option): it returns a bulkhead
// whose Err reports each problem, wrapping ErrInvalidConfig, and which
// refuses every acquire.
func New(n int, opts ...Option) *Bulkhead {
	cfg := config{clock: clock.Real}
	if n < 1 || n > maxLimit {
		cfg.invalid(fmt.Sprintf("New(%d)", n), "the number of slots must be from 1 to %d", maxLimit)
	}
	for _, o := range opts {
		if o == nil {
			cfg.invalid("Option(nil)", "an option is nil")
			continue
		}
		o.apply(&cfg)
	}
	b := &Bulkhead{n: n, maxWait: cfg.maxWait, clock: cfg.clock, err: errors.Join(cfg.errs...)}
	if b.err == nil {
		b.limit = uint64(n)
	}
	return b
}

// Err returns the error of the bulkhead's configuration, which wraps
// ErrInvalidConfig and names each invalid argument or option, or nil when
// it is valid.
func (b *Bulkhead) Err() error {
	if b.limit == 0 && b.err == nil {
		return errNotMade
	}
	return b.err
}

// Limit returns the number of slots, n as given to New.
func (b *Bulkhead) Limit() int { return b.n }

// InUse returns the number of slots taken now.
func (b *Bulkhead) InUse() int { return int(uint32(b.state.Load())) }

// TryAcquire takes a slot if one is free and nobody is waiting for one,
// and reports whether it did. It never waits. A slot taken must be given
// back with Release.
func (b *Bulkhead) TryAcquire() bool {
	for {
		s := b.state.Load()
		if s >= b.limit {
			return false
		}
		if b.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// Acquire takes a slot, waiting for one if every slot is taken: up to the
// maximum wait (WithMaxWait), measured on the bulkhead's clock, and no
// longer than ctx lasts. Waiting callers are served first come, first
// served. It returns
//
//   - nil with a slot, which must be given back with Release;
//   - ErrFull when no slot came free within the maximum wait (at once
//     when the maximum wait is 0);
//   - context.Cause(ctx) when ctx ended first, or had ended before the
//     call: a caller tells "my deadline ended the wait" from "the
//     bulkhead is full" by this error;
//   - the configuration error (see Err) when the bulkhead is not valid.
func (b *Bulkhead) Acquire(ctx context.Context) error {
	if b.limit == 0 {
		return b.Err()
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if b.TryAcquire() {
		return nil
	}
	if b.maxWait == 0 {
		return ErrFull
	}
	return b.wait(ctx)
}

// wait is Acquire's slow path: it joins the queue, unless a slot came
// free meanwhile, and waits for a slot, the maximum wait or ctx.
func (b *Bulkhead) wait(ctx context.Context) error {
	b.mu.Lock()
	for {
		s := b.state.Load()
		if s < b.limit {
			if b.state.CompareAndSwap(s, s+1) {
				b.mu.Unlock()
				return nil
			}
			continue
		}
		if b.state.CompareAndSwap(s, s+oneWaiter) {
			break
		}
	}
	w := &waiter{ready: make(chan struct{})}
	b.push(w)
	b.mu.Unlock()

	t := b.clock.NewTimer(b.maxWait)
	var err error
	select {
	case <-w.ready:
		t.Stop()
		return nil
	case <-t.C():
		err = ErrFull
	case <-ctx.Done():
		t.Stop()
		err = context.Cause(ctx)
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if w.granted {
		// The slot came at the moment the wait ended.
		if err == ErrFull {
			return nil // it came within the maximum wait: keep it
		}
		b.releaseLocked() // the caller is gone: pass it on
		return err
	}
	b.remove(w)
	b.state.Add(lessOneWaiter)
	return err
}

// Release gives back a slot taken by TryAcquire or by a successful
// Acquire, to the longest waiter if anyone waits. Release panics if no
// slot is taken, as sync.Mutex's Unlock does when the mutex is unlocked;
// the bulkhead is left as it was.
func (b *Bulkhead) Release() {
	for {
		s := b.state.Load()
		if s >= oneWaiter {
			b.releaseSlow()
			return
		}
		if s == 0 {
			panic("bulkhead: Release without a matching acquire")
		}
		if b.state.CompareAndSwap(s, s-1) {
			return
		}
	}
}

// releaseSlow is Release when someone waits.
func (b *Bulkhead) releaseSlow() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.releaseLocked()
}

// releaseLocked gives back a slot, to the oldest waiter if any. b.mu is
// held, so the waiter count is the length of the queue.
func (b *Bulkhead) releaseLocked() {
	if w := b.head; w != nil {
		// Hand the slot over: the slots taken stay the same.
		b.remove(w)
		b.state.Add(lessOneWaiter)
		w.granted = true
		close(w.ready)
		return
	}
	// Nobody waits (the waiters seen by Release gave up meanwhile); only
	// the lock-free paths change the word now.
	for {
		s := b.state.Load()
		if s == 0 {
			panic("bulkhead: Release without a matching acquire")
		}
		if b.state.CompareAndSwap(s, s-1) {
			return
		}
	}
}

// push adds w at the end of the queue. b.mu is held.
func (b *Bulkhead) push(w *waiter) {
	w.prev = b.tail
	if b.tail == nil {
		b.head = w
	} else {
		b.tail.next = w
	}
	b.tail = w
}

// remove takes w out of the queue. b.mu is held.
func (b *Bulkhead) remove(w *waiter) {
	if w.prev == nil {
		b.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		b.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next = nil, nil
}
