package redress

import (
	"context"
	"errors"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
)

// CircuitBreaker is the seam WithBreaker plugs into: a *breaker.Breaker,
// or a fake from redresstest. The pipeline asks Allow once per call before
// anything else and Records exactly one outcome after the retry loop (see
// the breaker outcome rules in the package documentation).
// Implementations must be safe for concurrent use.
type CircuitBreaker interface {
	// Allow asks whether a call may go ahead. A non-nil error rejects the
	// call, which then fails with StopCircuitOpen; it should match
	// breaker.ErrOpen.
	Allow() (breaker.Ticket, error)
	// Record reports the outcome of a call that Allow let through, and
	// returns the change of state it caused, if any.
	Record(t breaker.Ticket, o breaker.Outcome, c classifier.Class) breaker.Transition
}

var (
	_ CircuitBreaker = (*breaker.Breaker)(nil)
	_ budget.Budget  = (*budget.Window)(nil)
)

// WithBreaker puts a circuit breaker in front of the call: a call it
// rejects fails at once with StopCircuitOpen, and every call it lets
// through reports one outcome to it. Share one breaker among every policy
// that calls the same dependency. A breaker made with invalid options
// (one whose Err method returns an error) is reported as an invalid
// configuration. Default none; repeating replaces.
func WithBreaker(b CircuitBreaker) Option {
	return optionFunc(func(c *config) {
		if b == nil {
			c.invalid(invalidf("WithBreaker", "breaker is nil"))
			return
		}
		if err := errOf(b); err != nil {
			c.invalid(invalidf("WithBreaker", "%v", err))
			return
		}
		c.breaker = b
	})
}

// WithBudget makes every retry (never a first attempt) ask b for
// permission; a denied retry stops the call with StopBudgetExhausted, and
// a budget that returns an error fails closed the same way. A budget that
// learns from traffic (a budget.Learner) is told of each call and of the
// outcome of each attempt, except failures of classes that are never
// retried and attempts the caller cancelled. Share one budget among every
// policy that calls the same dependency. Default none; repeating replaces.
func WithBudget(b budget.Budget) Option {
	return optionFunc(func(c *config) {
		if b == nil {
			c.invalid(invalidf("WithBudget", "budget is nil"))
			return
		}
		if err := errOf(b); err != nil {
			c.invalid(invalidf("WithBudget", "%v", err))
			return
		}
		c.budget = b
	})
}

// errOf returns the configuration error of a breaker or budget that has
// an Err method, as those of packages breaker and budget do.
func errOf(v any) error {
	if e, ok := v.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

// breakerCall is the breaker stage outside the retry loop: asked once per
// call, told the call's one outcome.
func (r *runner[T]) breakerCall(ctx context.Context, next int) error {
	br := r.cfg.breaker
	ticket, err := br.Allow()
	r.circuitEvent(ctx, ticket.Transition)
	if err != nil {
		return r.reject(ctx, StopCircuitOpen, err)
	}
	r.probe = ticket.Probe
	finished := false
	defer func() {
		if !finished { // op panicked: a failure, and the panic goes on unchanged
			r.circuitEvent(ctx, br.Record(ticket, breaker.Panicked, r.last.Class))
		}
	}()
	err = r.callStage(ctx, next)
	finished = true
	outcome, class := breaker.Success, classifier.Unknown
	switch {
	case err == nil:
	case !r.reachedDependency():
		outcome = breaker.Cancelled
	default:
		outcome, class = breaker.Failure, r.last.Class
	}
	r.circuitEvent(ctx, br.Record(ticket, outcome, class))
	return err
}

// breakerAttempt is the breaker stage inside the retry loop: asked before
// every attempt and told each attempt's outcome. A rejection ends the
// call with StopCircuitOpen: retrying into an open breaker only waits.
func (r *runner[T]) breakerAttempt(ctx context.Context, next int) error {
	br := r.cfg.breaker
	ticket, err := br.Allow()
	r.circuitEvent(ctx, ticket.Transition)
	if err != nil {
		r.halt = StopCircuitOpen
		return err
	}
	r.probe = ticket.Probe
	finished := false
	defer func() {
		if !finished {
			r.circuitEvent(ctx, br.Record(ticket, breaker.Panicked, r.last.Class))
		}
	}()
	err = r.attemptStage(ctx, next)
	finished = true
	outcome, class := breaker.Success, classifier.Unknown
	switch {
	case err == nil:
	case r.halt != "" || ctx.Err() != nil:
		// Refused by an inner stage, or cancelled by the caller.
		outcome = breaker.Cancelled
	default:
		outcome, class = breaker.Failure, r.classify(err).Class
	}
	r.circuitEvent(ctx, br.Record(ticket, outcome, class))
	return err
}

// reachedDependency reports whether a call that failed tells something
// about the dependency's health: at least one attempt reached it and the
// caller did not give up. A call that a stage of ours refused before any
// attempt was made tells nothing; one refused at a later attempt (a
// throttle or bulkhead inside the retry loop) failed at the dependency
// first, and counts as that failure.
func (r *runner[T]) reachedDependency() bool {
	return r.attempts > 0 && r.reason != StopAborted
}

// circuitEvent tells the observer of a change of the breaker's state.
func (r *runner[T]) circuitEvent(ctx context.Context, t breaker.Transition) {
	if !t.Changed() || r.cfg.observer == nil {
		return
	}
	var name EventName
	switch t.To {
	case breaker.Open:
		name = EventCircuitOpened
	case breaker.HalfOpen:
		name = EventCircuitHalfOpen
	case breaker.Closed:
		name = EventCircuitClosed
	default:
		return
	}
	r.emit(ctx, Event{Name: name, State: t.To, Class: r.last.Class})
}

// reject ends a call that a stage outside the retry loop did not let
// through: no attempt was made.
func (r *runner[T]) reject(ctx context.Context, reason StopReason, cause error) error {
	return r.stop(ctx, 0, reason, nil, 0, cause, cause)
}

// rejectedIn returns the state in which a breaker rejected a call.
func rejectedIn(err error) breaker.State {
	var oe *breaker.OpenError
	if errors.As(err, &oe) {
		return oe.State
	}
	return breaker.Open
}
