package redress

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/redress-go/redress/internal/clock"
)

// ErrBulkheadFull is the cause of a call that a bulkhead did not let in:
// every slot stayed taken for as long as the call could wait. The call
// fails with StopBulkheadFull, and errors.Is(err, ErrBulkheadFull) holds.
var ErrBulkheadFull = errors.New("redress: bulkhead full")

// Bulkhead bounds how many executions of an operation run at once, so
// that one slow dependency cannot take every goroutine, connection or
// file descriptor of the process. Make one with NewBulkhead and share it
// among every policy that calls the same dependency (WithBulkhead). A
// Bulkhead is safe for concurrent use.
//
// By default it bounds attempts, not calls (see StageBulkhead): a call
// sleeping before its retry does not hold a slot that another call could
// use to do work. Put StageBulkhead before StageRetry with WithOrder to
// bound whole calls instead.
type Bulkhead struct {
	sem     *semaphore.Weighted
	limit   int
	maxWait time.Duration
	inUse   atomic.Int64
}

// NewBulkhead returns a bulkhead of n slots. An execution that finds
// every slot taken waits up to maxWait for one, on the clock of the
// policy that runs it (WithClock), and then fails fast with
// ErrBulkheadFull; a maxWait of 0 never waits. n must be at least 1 and
// maxWait not negative; WithBulkhead reports a bulkhead that breaks
// either rule as an invalid configuration.
func NewBulkhead(n int, maxWait time.Duration) *Bulkhead {
	b := &Bulkhead{limit: n, maxWait: maxWait}
	if n >= 1 {
		b.sem = semaphore.NewWeighted(int64(n))
	}
	return b
}

// Limit returns the number of slots.
func (b *Bulkhead) Limit() int { return b.limit }

// InUse returns the number of slots taken now.
func (b *Bulkhead) InUse() int { return int(b.inUse.Load()) }

// Err returns the error of the bulkhead's configuration, or nil.
func (b *Bulkhead) Err() error {
	switch {
	case b.limit < 1:
		return errors.New("bulkhead: limit must be at least 1")
	case b.maxWait < 0:
		return errors.New("bulkhead: maximum wait must not be negative")
	}
	return nil
}

// errBulkheadWait is the cause of a wait for a slot cut by maxWait.
var errBulkheadWait = errors.New("redress: bulkhead wait ended")

// acquire takes a slot, waiting up to maxWait on clk. It returns nil with
// a slot, ErrBulkheadFull, or the caller's context error.
func (b *Bulkhead) acquire(ctx context.Context, clk Clock) error {
	if b.sem.TryAcquire(1) {
		b.inUse.Add(1)
		return nil
	}
	if b.maxWait == 0 {
		return ErrBulkheadFull
	}
	wctx, cancel := clock.WithTimeoutCause(ctx, clk, b.maxWait, errBulkheadWait)
	defer cancel()
	if err := b.sem.Acquire(wctx, 1); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return ErrBulkheadFull
	}
	b.inUse.Add(1)
	return nil
}

func (b *Bulkhead) release() {
	b.inUse.Add(-1)
	b.sem.Release(1)
}

// WithBulkhead runs the operation under b, which bounds how many
// executions run at once (see Bulkhead). One that cannot get a slot ends
// the call with StopBulkheadFull and an error matching ErrBulkheadFull;
// it is not retried, and it counts as neither a success nor a failure for
// the breaker. A bulkhead made with invalid arguments is reported as an
// invalid configuration. Default none; repeating replaces.
func WithBulkhead(b *Bulkhead) Option {
	return optionFunc(func(c *config) {
		if b == nil {
			c.invalid(invalidf("WithBulkhead", "bulkhead is nil"))
			return
		}
		if err := b.Err(); err != nil {
			c.invalid(invalidf("WithBulkhead", "%v", err))
			return
		}
		c.bulkhead = b
	})
}

// bulkheadCall is the bulkhead stage outside the retry loop.
func (r *runner[T]) bulkheadCall(ctx context.Context, next int) error {
	b := r.cfg.bulkhead
	if err := b.acquire(ctx, r.cfg.clock); err != nil {
		if err == ErrBulkheadFull {
			return r.reject(ctx, StopBulkheadFull, err)
		}
		return r.reject(ctx, StopAborted, err)
	}
	defer b.release()
	return r.callStage(ctx, next)
}

// bulkheadAttempt is the bulkhead stage inside the retry loop.
func (r *runner[T]) bulkheadAttempt(ctx context.Context, next int) error {
	b := r.cfg.bulkhead
	if err := b.acquire(ctx, r.cfg.clock); err != nil {
		r.halt = StopBulkheadFull
		if err != ErrBulkheadFull {
			r.halt = StopAborted // the caller gave up while waiting
		}
		return err
	}
	defer b.release()
	return r.attemptStage(ctx, next)
}
