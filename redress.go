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
	if op == nil {
		var zero T
		return zero, &configError{invalidf("Execute", "operation is nil")}
	}
	return execute(ctx, attempt[T]{op: op}, opts)
}

// Do is Execute for operations that return only an error.
func Do(ctx context.Context, op func(context.Context) error, opts ...Option) error {
	if op == nil {
		return &configError{invalidf("Do", "operation is nil")}
	}
	_, err := execute(ctx, attempt[struct{}]{opErr: op}, opts)
	return err
}

func execute[T any](ctx context.Context, a attempt[T], opts []Option) (T, error) {
	cfg, err := resolve(opts)
	if err != nil {
		return a.result, err
	}
	if cfg.resultClassifier != nil {
		rc, ok := cfg.resultClassifier.(func(T) (classifier.Classification, bool))
		if !ok {
			return a.result, &configError{invalidf("WithResultClassifier",
				"classifier %T does not take Execute's result type %v", cfg.resultClassifier, reflect.TypeFor[T]())}
		}
		a.rc = rc
	}
	a.cfg = cfg
	r := runner[T]{cfg: cfg, att: a}
	err = r.run(ctx)
	return r.att.result, err
}

// runner is one call's state. It stays on the caller's stack: nothing
// that user code can keep points to it.
type runner[T any] struct {
	cfg    *config
	att    attempt[T]
	start  time.Time
	last   classifier.Classification
	reason StopReason

	// With attempt middleware, the attempt runs from a heap copy of att,
	// since the middleware may keep the *Attempt it is given.
	shared    *attempt[T]
	mwAttempt *Attempt
}

// run is the breaker stage around the rest of the call.
func (r *runner[T]) run(ctx context.Context) error {
	c := r.cfg
	r.start = c.clock.Now()
	if c.deadline > 0 {
		r.att.deadline = r.start.Add(c.deadline)
	}
	r.att.started = r.start
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
	var err error
	if len(r.cfg.middleware) == 0 {
		err = r.att.once(ctx)
	} else {
		if r.shared == nil {
			r.shared = new(attempt[T])
			*r.shared = r.att
			r.mwAttempt = &Attempt{Operation: r.cfg.operation, run: r.shared.once}
		}
		r.mwAttempt.Number = n
		err = r.cfg.handler(ctx, r.mwAttempt)
		r.att.result, r.att.rejected, r.att.verdict = r.shared.result, r.shared.rejected, r.shared.verdict
	}
	return err
}

func (r *runner[T]) now() time.Time { return r.cfg.clock.Now() }

func (r *runner[T]) classify(err error) classifier.Classification {
	if r.att.rejected && errors.Is(err, ErrResultRejected) {
		return r.att.verdict
	}
	return r.cfg.classifier.Classify(err)
}

// window is the time the call has left at now.
func (r *runner[T]) window(ctx context.Context, now time.Time) retry.Window {
	w := retry.NoDeadline
	if !r.att.deadline.IsZero() {
		w.Deadline = r.att.deadline.Sub(now)
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
