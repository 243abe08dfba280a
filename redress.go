package redress

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

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
	var r runner[T]
	if op == nil {
		return r.att.result, &configError{invalidf("Execute", "operation is nil")}
	}
	r.att.op = op
	err := r.execute(ctx, opts)
	return r.att.result, err
}

// Do is Execute for operations that return only an error.
func Do(ctx context.Context, op func(context.Context) error, opts ...Option) error {
	if op == nil {
		return &configError{invalidf("Do", "operation is nil")}
	}
	var r runner[struct{}]
	r.att.opErr = op
	return r.execute(ctx, opts)
}

// execute resolves the options and runs the call. r lives on the stack
// of Execute or Do; it is built in place, because copying it costs more
// than the rest of a successful call.
func (r *runner[T]) execute(ctx context.Context, opts []Option) error {
	cfg, err := resolve(opts)
	if err != nil {
		return err
	}
	if cfg.resultClassifier != nil {
		rc, ok := cfg.resultClassifier.(func(T) (classifier.Classification, bool))
		if !ok {
			return &configError{invalidf("WithResultClassifier",
				"classifier %T does not take Execute's result type %v", cfg.resultClassifier, reflect.TypeFor[T]())}
		}
		r.att.rc = rc
	}
	if cfg.fallback != nil {
		f, ok := cfg.fallback.(func(context.Context, error) (T, error))
		if !ok {
			return &configError{invalidf("WithFallback",
				"fallback %T does not return Execute's result type %v", cfg.fallback, reflect.TypeFor[T]())}
		}
		r.fallback = f
	}
	r.cfg, r.att.cfg = cfg, cfg
	if cfg.onHeap {
		// User code can reach this call's runner: run a heap copy, so
		// that r itself never escapes.
		h := new(runner[T])
		*h = *r
		err := h.executeOnHeap(ctx)
		r.att.result = h.att.result
		return err
	}
	return r.call(ctx)
}

// executeOnHeap runs a call whose runner user code can reach: call
// middleware keeps a *Call that runs it, attempt middleware an *Attempt.
func (r *runner[T]) executeOnHeap(ctx context.Context) error {
	cfg := r.cfg
	if cfg.handler != nil {
		r.mwAttempt = &Attempt{Operation: cfg.operation, run: r.afterMiddleware}
	}
	if cfg.callHandler == nil {
		return r.call(ctx)
	}
	c := &Call{Operation: cfg.operation}
	c.run = func(ctx context.Context) error {
		if c.ran {
			return errCallRunTwice
		}
		c.ran = true
		err := r.call(ctx)
		c.Attempts, c.Hedges, c.StopReason, c.FellBack = r.attempts, r.hedges, r.reason, r.fellBack
		return err
	}
	return cfg.callHandler(ctx, c)
}

// runner is one call's state. Unless call or attempt middleware is
// configured it stays on the caller's stack: nothing that user code can
// keep points to it.
type runner[T any] struct {
	cfg      *config
	att      attempt[T]
	fallback func(context.Context, error) (T, error)
	start    time.Time
	last     classifier.Classification // the last failure's
	lastErr  error                     // the last failed attempt's error
	reason   StopReason                // why the call stopped; "" on success

	n        int  // the number of the attempt running
	attempts int  // attempts that reached the operation
	hedges   int  // hedges started
	probe    bool // the breaker's ticket is a half-open probe: no hedging
	fellBack bool // the fallback ran

	// An attempt stage that ends the call (a breaker, bulkhead or
	// throttle inside the retry loop) sets halt to the stop reason and
	// returns the stage's error.
	halt StopReason

	mwAttempt *Attempt // with attempt middleware: what it is given
}

// call runs the fallback around the call stages: see WithOrder.
func (r *runner[T]) call(ctx context.Context) error {
	c := r.cfg
	r.start = c.clock.Now()
	if c.deadline > 0 {
		r.att.deadline = r.start.Add(c.deadline)
	}
	if c.firstAttemptAtStart {
		// Nothing can spend time before the first attempt: it starts
		// when the call does, and need not read the clock again.
		r.att.started = r.start
	}
	err := r.callStage(ctx, 0)
	if err != nil && r.fallback != nil && fallbackRuns(r.reason) {
		return r.fallBack(ctx, err)
	}
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
		if r.halt != "" {
			// An attempt stage refused attempt n: it was not made.
			return r.stop(ctx, n-1, r.halt, r.lastErr, 0, err, err)
		}
		if err == nil {
			r.record(true)
			if c.observer != nil {
				r.emit(ctx, Event{Name: EventSuccess, Attempt: n})
			}
			return nil
		}
		r.lastErr = err
		// Rule 1: the caller's cancellation is never retried.
		if ctx.Err() != nil {
			return r.stop(ctx, n, StopAborted, err, 0, ctx.Err(), nil)
		}
		r.last = r.classify(err)
		if r.last.Class.Retryable() {
			r.record(false)
		}
		// Rules 2 to 8.
		if n == 1 && testhooks.NoRetries(ctx) {
			// A test asked for one attempt only (redresstest.NoRetries).
			tr.LimitAttempts(1)
		}
		d := c.retry.Decide(&tr, n, r.last, r.window(ctx, c.clock.Now()))
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

// record tells the budget and the adaptive strategies (WithAdaptive) of an
// attempt's outcome.
func (r *runner[T]) record(success bool) {
	c := r.cfg
	if c.learner != nil {
		c.learner.RecordOutcome(success)
	}
	for _, a := range c.adaptive {
		a.Record(success)
	}
}

// runAttempt runs attempt n through the attempt stages, if any.
func (r *runner[T]) runAttempt(ctx context.Context, n int) error {
	r.n = n
	if n > 1 {
		r.att.started = time.Time{} // read the clock: time has passed
	}
	if len(r.cfg.attemptStages) == 0 {
		return r.innermost(ctx)
	}
	return r.attemptStage(ctx, 0)
}

// innermost runs the attempt itself: hedged, or once.
func (r *runner[T]) innermost(ctx context.Context) error {
	if r.cfg.hedge.max > 0 && !r.probe && !testhooks.NoRetries(ctx) {
		return r.hedged(ctx)
	}
	r.attempts++
	return r.att.once(ctx)
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
		e := Event{Name: stopEvents[reason], Attempt: n, Sleep: next, Class: r.last.Class,
			RetryAfter: r.last.RetryAfter, Err: se, Reason: reason, Cause: eventCause}
		if reason == StopCircuitOpen {
			e.State = rejectedIn(cause)
		}
		r.emit(ctx, e)
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
