package redress

import (
	"context"
	"errors"
	"time"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/internal/testhooks"
	"github.com/redress-go/redress/retry"
)

// call runs the whole call: the call's context, the fallback around the
// guards outside the retry loop, and the loop.
func (r *runner[T]) call(ctx context.Context) error {
	c := r.cfg
	r.start = c.clock.Now()
	if r.report != nil {
		defer r.fill(r.report)
	}
	// Step 0: a caller that has already given up gets nothing run.
	if err := ctx.Err(); err != nil {
		reason := StopAborted
		if errors.Is(err, context.DeadlineExceeded) {
			reason = StopDeadline
		}
		return r.stop(ctx, stopInfo{reason: reason, cause: err, eventCause: err})
	}
	if c.deadline > 0 {
		deadline := r.start.Add(c.deadline)
		r.att.deadline = deadline
		if !callerEndsFirst(ctx, c.clock, deadline) {
			r.dl = clock.NewDeadline(ctx, c.clock, deadline, classifier.ErrAttemptTimeout)
			defer r.dl.Stop()
			ctx = r.dl
		}
	}
	if c.firstAttemptAtStart {
		// Nothing can spend time before the first attempt: it starts
		// when the call does, and need not read the clock again.
		r.att.started = r.start
	}
	err := r.callStage(ctx, 0)
	if err != nil && r.fallback != nil && fallbackRuns(r.reason) {
		return r.fallBack(r.caller(ctx), err)
	}
	return err
}

// callerEndsFirst reports whether the caller's context has a deadline no
// later than deadline, so that the call needs no context of its own. The
// caller's deadline is on the real clock: on any other clock the two do
// not compare.
func callerEndsFirst(ctx context.Context, c Clock, deadline time.Time) bool {
	if !clock.IsReal(c) {
		return false
	}
	dl, ok := ctx.Deadline()
	return ok && !dl.After(deadline)
}

// loop is the retry loop, with the budget that grants its retries:
// attempts until success or a stop.
func (r *runner[T]) loop(ctx context.Context) error {
	c := r.cfg
	bg := c.budgetGuard
	if bg != nil {
		bg.begin()
	}
	var tr retry.Tracker
	for n := max(r.firstAttempt, 1); ; n++ {
		err := r.runAttempt(ctx, n)
		if err == nil {
			r.record(ctx, outcome{kind: breaker.Success})
			if bg != nil {
				bg.succeeded(n, r.last, r.lastErr)
			}
			if c.observer != nil {
				r.emit(ctx, Event{Name: EventSuccess, Attempt: n})
			}
			return nil
		}
		if ref := asRefusal(err); ref != nil {
			// A guard inside the loop refused attempt n: it was not made.
			return r.stop(ctx, stopInfo{n: n - 1, reason: ref.reason, err: r.lastErr,
				cause: ref.err, eventCause: ref.event})
		}
		r.lastErr = err
		// Rule 1: the caller's cancellation is never retried.
		if cerr := r.callerErr(ctx); cerr != nil {
			return r.stop(ctx, stopInfo{n: n, reason: StopAborted, err: err, cause: cerr})
		}
		now := c.clock.Now()
		r.last = r.classify(err)
		if r.last.Class.Retryable() {
			r.record(ctx, outcome{kind: breaker.Failure, class: r.last.Class})
		}
		// Rules 2 to 8.
		if r.attempts == 1 && testhooks.NoRetries(ctx) {
			// A test asked for one attempt only (redresstest.NoRetries).
			tr.LimitAttempts(1)
		}
		d := c.retry.Decide(&tr, n, r.last, r.window(ctx, now))
		if !d.Retry {
			return r.stop(ctx, stopInfo{n: n, reason: d.Reason, err: err})
		}
		// Rule 9: every retry must be granted by the budget.
		if bg != nil {
			if ref := bg.admitRetry(ctx, err, r.last); ref != nil {
				return r.stop(ctx, stopInfo{n: n, reason: ref.reason, err: err, cause: ref.err,
					eventCause: ref.event})
			}
		}
		// Rule 10.
		if c.observer != nil {
			r.emit(ctx, Event{Name: EventRetry, Attempt: n, Sleep: d.Delay,
				Class: r.last.Class, RetryAfter: r.honoured(r.last.RetryAfter), Err: err})
		}
		if c.retry.Deferred() {
			return r.stop(ctx, stopInfo{n: n, reason: StopScheduled, err: err, next: d.Delay})
		}
		// Rule 11: the sleep waits on the caller's context, not the
		// call's, which would arm a timer for nothing: rule 8 has made
		// sure the sleep ends before the call's deadline.
		caller := r.caller(ctx)
		if clock.Sleep(caller, c.clock, d.Delay) != nil {
			return r.stop(ctx, stopInfo{n: n, reason: StopAborted, err: err, cause: caller.Err()})
		}
		r.slept += d.Delay
	}
}

// record tells the budget and the adaptive strategies (WithAdaptive) of an
// attempt's outcome.
func (r *runner[T]) record(ctx context.Context, o outcome) {
	c := r.cfg
	if c.budgetGuard != nil {
		c.budgetGuard.done(breaker.Ticket{}, o)
	}
	for _, a := range c.adaptive {
		a.Record(o.kind == breaker.Success)
	}
}

// runAttempt runs attempt n through the attempt stages, if any.
func (r *runner[T]) runAttempt(ctx context.Context, n int) error {
	if r.n != 0 {
		r.att.started = time.Time{} // not the call's first: read the clock, time has passed
	}
	r.n = n
	if len(r.cfg.attemptStages) == 0 {
		return r.innermost(ctx)
	}
	return r.attemptStage(ctx, 0)
}

// innermost runs the attempt itself: hedged, or once. An attempt that
// failed once the call's own deadline had passed was cut by it: a timeout
// of ours, TRANSIENT, for the guards inside the loop as for the loop
// (whose rule 8 then stops the call).
func (r *runner[T]) innermost(ctx context.Context) error {
	var err error
	if r.cfg.hedge.max > 0 && !r.probe && !testhooks.NoRetries(ctx) {
		err = r.hedged(ctx)
	} else {
		r.attempts++
		err = r.att.once(ctx)
	}
	if err != nil && r.dl != nil && !r.now().Before(r.att.deadline) {
		err = timedOut(err)
	}
	return err
}

func (r *runner[T]) classify(err error) classifier.Classification {
	if r.att.rejected && errors.Is(err, ErrResultRejected) {
		return r.att.verdict
	}
	return r.cfg.classifier.Classify(err)
}

// honoured returns the part of a server's Retry-After that the policy
// honours: capped at retry.WithMaxRetryAfter.
func (r *runner[T]) honoured(d time.Duration) time.Duration {
	return min(max(d, 0), r.cfg.retry.MaxRetryAfter())
}

// window is the time the call has left at now.
func (r *runner[T]) window(ctx context.Context, now time.Time) retry.Window {
	w := retry.NoDeadline
	if !r.att.deadline.IsZero() {
		w.Deadline = r.att.deadline.Sub(now)
	}
	if dl, ok := r.caller(ctx).Deadline(); ok {
		w.Caller = dl.Sub(now)
	}
	return w
}

// stopInfo is what a call's stop is made of.
type stopInfo struct {
	n          int           // attempts made
	reason     StopReason    // why the call stopped
	err        error         // the last operation error, or nil
	next       time.Duration // the delay before the next attempt, for StopScheduled
	cause      error         // what stopped the call beyond its reason, wrapped by the StopError; may be nil
	eventCause error         // the Event's Cause; may be nil
}

// stop ends the call without success, emitting its terminal event.
func (s *callState) stop(ctx context.Context, st stopInfo) error {
	s.reason = st.reason
	if st.reason == StopDeadline && st.cause == nil {
		st.cause = context.DeadlineExceeded
	}
	se := &StopError{
		Reason:    st.reason,
		Operation: s.operation,
		Attempts:  st.n,
		LastClass: s.last.Class,
		Elapsed:   s.now().Sub(s.start),
		NextDelay: st.next,
		Err:       st.err,
		cause:     st.cause,
	}
	if s.cfg.observer != nil {
		e := Event{Name: stopEvents[st.reason], Attempt: st.n, Sleep: st.next, Class: s.last.Class,
			RetryAfter: min(max(s.last.RetryAfter, 0), s.cfg.retry.MaxRetryAfter()),
			Err:        se, Reason: st.reason, Cause: st.eventCause}
		if st.reason == StopCircuitOpen {
			e.State = rejectedIn(st.cause)
		}
		s.emit(ctx, e)
	}
	return se
}

func (s *callState) emit(ctx context.Context, e Event) {
	e.Operation = s.operation
	if e.Elapsed == 0 {
		e.Elapsed = s.now().Sub(s.start)
	}
	if s.dl != nil {
		ctx = s.dl.Parent() // observers get the caller's context
	}
	s.cfg.observer.Observe(ctx, e)
}
