package redress

import (
	"context"
	"errors"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
)

// attempt is the timeout stage and the operation: what one attempt needs,
// and what it leaves behind.
type attempt[T any] struct {
	cfg      *config
	op       func(context.Context) (T, error)
	opErr    func(context.Context) error // Do's operation, when op is nil
	rc       func(T) (classifier.Classification, bool)
	deadline time.Time // the call's deadline; zero: none
	started  time.Time // when the call started, for its first attempt

	result   T
	rejected bool                      // rc rejected the result
	verdict  classifier.Classification // rc's classification of it
}

// once runs the operation under the attempt's own context, cut at the
// earlier of the attempt timeout and the call's deadline.
func (a *attempt[T]) once(ctx context.Context) error {
	a.rejected = false
	c := a.cfg
	if c.deadline == 0 && c.attemptTimeout == 0 {
		return a.call(ctx)
	}
	// The first attempt starts when the call does: no need to ask the clock.
	now := a.started
	if now.IsZero() {
		now = c.clock.Now()
	}
	a.started = time.Time{}
	cut := a.cut(now)
	if c.clock == clock.Real {
		if dl, has := ctx.Deadline(); has && dl.Sub(now) <= cut {
			// The caller's deadline comes first: no context of ours needed.
			return a.call(ctx)
		}
	}
	actx, cancel := clock.WithTimeoutCause(ctx, c.clock, cut, classifier.ErrAttemptTimeout)
	defer cancel()
	err := a.call(actx)
	if err != nil && ctx.Err() == nil && context.Cause(actx) == classifier.ErrAttemptTimeout &&
		!errors.Is(err, classifier.ErrAttemptTimeout) {
		err = &attemptTimeoutError{err}
	}
	return err
}

func (a *attempt[T]) call(ctx context.Context) error {
	if a.opErr != nil {
		return a.opErr(ctx)
	}
	v, err := a.op(ctx)
	a.result = v
	if err == nil && a.rc != nil {
		if cl, failed := a.rc(v); failed {
			a.rejected = true
			a.verdict = cl
			return ErrResultRejected
		}
	}
	return err
}

// cut returns how long an attempt starting at now may run; the attempt
// timeout or the call's deadline must be set.
func (a *attempt[T]) cut(now time.Time) time.Duration {
	c := a.cfg
	if c.deadline == 0 {
		return c.attemptTimeout
	}
	left := a.deadline.Sub(now)
	if c.attemptTimeout > 0 && c.attemptTimeout < left {
		return c.attemptTimeout
	}
	return left
}
