package redress

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/internal/testhooks"
	"github.com/redress-go/redress/retry"
)

// Execute runs op under the policy that opts describe and returns its
// result. With no options it uses the defaults (see New); pass a *Policy
// to reuse a validated policy, followed by options that override it for
// this call.
//
// op is called once per attempt with a context of that attempt, which ends
// at the attempt's timeout or the call's deadline; op must honour it, as
// redress cannot stop code that does not. When an attempt fails, the
// failure is classified and the decision order of the package
// documentation says whether and when to try again.
//
// Execute returns op's result and nil on success. Otherwise it returns the
// last result op gave (usually the zero value) and a *StopError that wraps
// op's last error; a call rejected by an open breaker fails with
// StopCircuitOpen and op is not called. Invalid options make Execute
// return an error wrapping ErrInvalidConfig without calling op.
func Execute[T any](ctx context.Context, op func(context.Context) (T, error), opts ...Option) (T, error) {
	var zero T
	cfg, err := resolve(opts)
	if err != nil {
		return zero, err
	}
	if op == nil {
		return zero, &configError{invalidf("Execute", "operation is nil")}
	}
	r := runner[T]{cfg: cfg, op: op}
	if cfg.resultClassifier != nil {
		rc, ok := cfg.resultClassifier.(func(T) (classifier.Classification, bool))
		if !ok {
			return zero, &configError{invalidf("WithResultClassifier",
				"classifier %T does not take Execute's result type %v", cfg.resultClassifier, reflect.TypeFor[T]())}
		}
		r.rc = rc
	}
	err = r.run(ctx)
	return r.result, err
}

// Do is Execute for operations that return only an error.
func Do(ctx context.Context, op func(context.Context) error, opts ...Option) error {
	if op == nil {
		return &configError{invalidf("Do", "operation is nil")}
	}
	_, err := Execute(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, op(ctx)
	}, opts...)
	return err
}

// runner is one call's state.
type runner[T any] struct {
	cfg      *config
	op       func(context.Context) (T, error)
	rc       func(T) (classifier.Classification, bool)
	result   T
	start    time.Time
	deadline time.Time // zero: none
	last     classifier.Classification
	rejected bool // the last attempt's result was rejected by rc
	reason   StopReason
	attempt  *Attempt // made on first use, when there is middleware
}

// run is the breaker stage around the rest of the call.
func (r *runner[T]) run(ctx context.Context) error {
	c := r.cfg
	r.start = c.clock.Now()
	if c.deadline > 0 {
		r.deadline = r.start.Add(c.deadline)
	}
	br := c.breaker
	if br == nil {
		return r.loop(ctx)
	}
	ticket, err := br.Allow()
	r.circuitEvent(ctx, ticket.Transition)
	if err != nil {
		return r.rejectedByBreaker(ctx, err)
	}
	finished := false
	defer func() {
		if !finished { // op panicked: a failure, and the panic goes on unchanged
			r.circuitEvent(ctx, br.Record(ticket, breaker.Panicked, r.last.Class))
		}
	}()
	err = r.loop(ctx)
	finished = true
	outcome, class := breaker.Success, classifier.Unknown
	switch {
	case err == nil:
	case r.reason == StopAborted:
		outcome = breaker.Cancelled
	default:
		outcome, class = breaker.Failure, r.last.Class
	}
	r.circuitEvent(ctx, br.Record(ticket, outcome, class))
	return err
}

// loop is the budget and retry stages: attempts until success or a stop.
func (r *runner[T]) loop(ctx context.Context) error {
	c := r.cfg
	if c.learner != nil {
		c.learner.RecordRequest()
	}
	var tr retry.Tracker
	for n := 1; ; n++ {
		err := r.runAttempt(ctx, n)
		if err == nil {
			if c.learner != nil {
				c.learner.RecordOutcome(true)
			}
			if c.observer != nil {
				r.emit(ctx, Event{Name: EventSuccess, Attempt: n})
			}
			return nil
		}
		// Rule 1: the caller's cancellation is never retried.
		if ctx.Err() != nil {
			return r.stop(ctx, n, StopAborted, err, 0, ctx.Err(), nil)
		}
		r.last = r.classify(err)
		if c.learner != nil && r.last.Class.Retryable() {
			c.learner.RecordOutcome(false)
		}
		// Rules 2 to 8.
		d := c.retry.Decide(&tr, n, r.last, r.window(ctx, c.clock.Now()))
		if d.Retry && testhooks.NoRetries(ctx) {
			// A test asked for one attempt only (redresstest.NoRetries).
			d = retry.Decision{Reason: StopMaxAttempts}
		}
		if !d.Retry {
			return r.stop(ctx, n, d.Reason, err, 0, nil, nil)
		}
		// Rule 9: every retry must be granted by the budget.
		if c.budget != nil {
			ok, berr := c.budget.AllowRetry(ctx)
			if berr != nil {
				// A budget that cannot decide fails closed.
				return r.stop(ctx, n, StopBudgetExhausted, err, 0,
					fmt.Errorf("%w (failed closed: %w)", budget.ErrExhausted, berr), berr)
			}
			if !ok {
				return r.stop(ctx, n, StopBudgetExhausted, err, 0, budget.ErrExhausted, nil)
			}
		}
		// Rule 10.
		if c.observer != nil {
			r.emit(ctx, Event{Name: EventRetry, Attempt: n, Sleep: d.Delay,
				Class: r.last.Class, RetryAfter: r.last.RetryAfter, Err: err})
		}
		if c.retry.Deferred() {
			return r.stop(ctx, n, StopScheduled, err, d.Delay, nil, nil)
		}
		// Rule 11.
		if clock.Sleep(ctx, c.clock, d.Delay) != nil {
			return r.stop(ctx, n, StopAborted, err, 0, ctx.Err(), nil)
		}
	}
}

// runAttempt runs attempt n through the attempt middleware, if any.
func (r *runner[T]) runAttempt(ctx context.Context, n int) error {
	r.rejected = false
	if len(r.cfg.middleware) == 0 {
		return r.once(ctx)
	}
	if r.attempt == nil {
		r.attempt = &Attempt{Operation: r.cfg.operation, run: r.once}
	}
	r.attempt.Number = n
	return r.cfg.handler(ctx, r.attempt)
}

// once is the timeout stage and the operation.
func (r *runner[T]) once(ctx context.Context) error {
	c := r.cfg
	cut, ok := r.attemptCut()
	if !ok {
		return r.call(ctx)
	}
	if c.clock == clock.Real {
		if dl, has := ctx.Deadline(); has && dl.Sub(r.now()) <= cut {
			// The caller's deadline comes first: no context of ours needed.
			return r.call(ctx)
		}
	}
	actx, cancel := clock.WithTimeoutCause(ctx, c.clock, cut, classifier.ErrAttemptTimeout)
	defer cancel()
	err := r.call(actx)
	if err != nil && ctx.Err() == nil && context.Cause(actx) == classifier.ErrAttemptTimeout &&
		!errors.Is(err, classifier.ErrAttemptTimeout) {
		err = &attemptTimeoutError{err}
	}
	return err
}

func (r *runner[T]) call(ctx context.Context) error {
	v, err := r.op(ctx)
	r.result = v
	if err == nil && r.rc != nil {
		if cl, failed := r.rc(v); failed {
			r.rejected = true
			r.last = cl
			return ErrResultRejected
		}
	}
	return err
}

// attemptCut returns how long the next attempt may run, if it is bounded.
func (r *runner[T]) attemptCut() (time.Duration, bool) {
	c := r.cfg
	if c.deadline == 0 {
		return c.attemptTimeout, c.attemptTimeout > 0
	}
	left := r.deadline.Sub(r.now())
	if c.attemptTimeout > 0 && c.attemptTimeout < left {
		return c.attemptTimeout, true
	}
	return left, true
}

func (r *runner[T]) now() time.Time { return r.cfg.clock.Now() }

func (r *runner[T]) classify(err error) classifier.Classification {
	if r.rejected && errors.Is(err, ErrResultRejected) {
		return r.last
	}
	return r.cfg.classifier.Classify(err)
}

// window is the time the call has left at now.
func (r *runner[T]) window(ctx context.Context, now time.Time) retry.Window {
	w := retry.NoDeadline
	if !r.deadline.IsZero() {
		w.Deadline = r.deadline.Sub(now)
	}
	if dl, ok := ctx.Deadline(); ok {
		w.Caller = dl.Sub(now)
	}
	return w
}

// stop ends the call without success, emitting its terminal event.
func (r *runner[T]) stop(ctx context.Context, n int, reason StopReason, err error, next time.Duration, cause, eventCause error) error {
	r.reason = reason
	se := &StopError{
		Reason:    reason,
		Operation: r.cfg.operation,
		Attempts:  n,
		LastClass: r.last.Class,
		Elapsed:   r.now().Sub(r.start),
		NextDelay: next,
		Err:       err,
		cause:     cause,
	}
	if r.cfg.observer != nil {
		r.emit(ctx, Event{Name: stopEvents[reason], Attempt: n, Sleep: next, Class: r.last.Class,
			RetryAfter: r.last.RetryAfter, Err: se, Reason: reason, Cause: eventCause})
	}
	return se
}

func (r *runner[T]) emit(ctx context.Context, e Event) {
	e.Operation = r.cfg.operation
	if e.Elapsed == 0 {
		e.Elapsed = r.now().Sub(r.start)
	}
	r.cfg.observer.Observe(ctx, e)
}
