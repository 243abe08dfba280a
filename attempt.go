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

// once runs the operation under ctx, the call's context, or, with an
// attempt timeout, under a context of the attempt's own cut at the
// attempt timeout. An attempt that its timeout cut, and not the caller,
// fails with an error that matches classifier.ErrAttemptTimeout:
// TRANSIENT. (One that the call's deadline cut is marked by innermost.)
func (a *attempt[T]) once(ctx context.Context) error {
	a.rejected = false
	c := a.cfg
	if c.attemptTimeout == 0 {
		// An attempt the call's deadline cut is marked by innermost.
		return a.call(ctx)
	}
	// The first attempt starts when the call does: no need to ask the clock.
	now := a.started
	if now.IsZero() {
		now = c.clock.Now()
	}
	a.started = time.Time{}
	cut := now.Add(c.attemptTimeout)
	if !a.deadline.IsZero() && a.deadline.Before(cut) {
		cut = a.deadline // the call's context ends first
	}
	if clock.IsReal(c.clock) {
		if end, has := ctx.Deadline(); has && !end.After(cut) {
			// The call's or the caller's deadline comes first: no
			// context of the attempt's own is needed.
			return a.call(ctx)
		}
	}
	actx := clock.NewDeadline(ctx, c.clock, cut, classifier.ErrAttemptTimeout)
	defer actx.Stop()
	err := a.call(actx)
	if err != nil && actx.Expired() {
		return timedOut(err)
	}
	return err
}

// timedOut marks err, from an attempt that redress's own timeout cut, as
// a timeout: TRANSIENT.
func timedOut(err error) error {
	if errors.Is(err, classifier.ErrAttemptTimeout) {
		return err
	}
	return &attemptTimeoutError{err}
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
