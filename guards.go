package redress

import (
	"context"
	"errors"
	"fmt"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/throttle"
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
		c.dirty |= dirtyStages
	})
}

// WithBudget makes every retry (never a first attempt) ask b for
// permission; a denied retry stops the call with StopBudgetExhausted, and
// a budget that returns an error fails closed the same way. A budget that
// learns from traffic (a budget.Learner) is told of each call and of the
// outcome of each attempt, except failures of classes that are never
// retried and attempts the caller cancelled. A budget whose price of a
// retry depends on the failure (a budget.ClassAware, such as
// budget.NewQuota) is asked with each failure's error and classification
// and told how every successful call ended, so that it can refund. Share
// one budget among every policy that calls the same dependency. Default
// none; repeating replaces.
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
		c.dirty |= dirtyBudget
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

// reachedDependency reports whether a call that failed tells something
// about the dependency's health: at least one attempt reached it and the
// caller did not give up. A call that a stage of ours refused before any
// attempt was made tells nothing; one refused at a later attempt (a
// throttle or bulkhead inside the retry loop) failed at the dependency
// first, and counts as that failure.
func (s *callState) reachedDependency() bool {
	return s.attempts > 0 && s.reason != StopAborted
}

// circuitEvent tells the observer of a change of the breaker's state.
func (s *callState) circuitEvent(ctx context.Context, t breaker.Transition) {
	if !t.Changed() || s.cfg.observer == nil {
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
	s.emit(ctx, Event{Name: name, State: t.To, Class: s.last.Class})
}

// rejectedIn returns the state in which a breaker rejected a call.
func rejectedIn(err error) breaker.State {
	var oe *breaker.OpenError
	if errors.As(err, &oe) {
		return oe.State
	}
	return breaker.Open
}

// WithBulkhead runs the operation under b, which bounds how many
// executions run at once (see package bulkhead). One that cannot get a
// slot within the bulkhead's maximum wait ends the call with
// StopBulkheadFull and an error matching bulkhead.ErrFull; it is not
// retried, and it counts as neither a success nor a failure for the
// breaker. A wait for a slot ends at the call's deadline (the call then
// stops with StopDeadline) and when the caller gives up (StopAborted). By
// default the bulkhead bounds attempts, not calls (see StageBulkhead). A
// bulkhead made with invalid arguments is reported as an invalid
// configuration. Default none; repeating replaces.
func WithBulkhead(b *bulkhead.Bulkhead) Option {
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
		c.dirty |= dirtyStages
	})
}

// WithThrottle puts t in front of the backend (see package throttle): a
// request it rejects ends the call at once with StopThrottled and an
// error matching throttle.ErrThrottled, without being sent or retried,
// and counts as neither a success nor a failure for the breaker. By
// default it sees every attempt as a request (see StageThrottle); it is
// told each request's outcome, accepted unless the failure's class is
// RATE_LIMIT, SERVER_ERROR or TRANSIENT (throttle.Accepted). A throttle
// made with an invalid configuration is reported as one. Default none;
// repeating replaces.
func WithThrottle(t *throttle.Throttle) Option {
	return optionFunc(func(c *config) {
		if t == nil {
			c.invalid(invalidf("WithThrottle", "throttle is nil"))
			return
		}
		if err := t.Err(); err != nil {
			c.invalid(invalidf("WithThrottle", "%v", err))
			return
		}
		c.throttle = t
		c.dirty |= dirtyStages
	})
}

// A guard is a stage that lets a call or an attempt through, or not, and
// is told how what it let through ended: the breaker, the throttle and
// the bulkhead, each used outside the retry loop (once per call) or
// inside it (once per attempt) by the same code, and the budget, asked
// for every retry and hedge. A new stage is one guard and one Stage.
//
// Guards are given what they need and hand back what happened (a ticket,
// a refusal, a change of the breaker's state) as values: the pipeline
// emits the events and keeps the call's state.
type guard interface {
	// admit lets the call or attempt through, with the ticket done must
	// be given back (a breaker's; zero for the others), or refuses it.
	admit(ctx context.Context) (breaker.Ticket, *refusal)
	// done is told how what admit let through ended, and returns the
	// breaker's change of state, if any.
	done(t breaker.Ticket, o outcome) breaker.Transition
}

// outcome is how a call or an attempt that a guard let through ended.
type outcome struct {
	kind  breaker.Outcome
	class classifier.Class // of a failure
}

// refusal is a guard's refusal: the call stops for reason, and err says
// why (the StopError wraps it); event is the Cause its event reports.
// Inside the retry loop it travels back as the attempt's error.
type refusal struct {
	reason StopReason
	err    error
	event  error
}

// stopContextEnded is the reason of a refusal because the context a guard
// waited on ended: the pipeline tells the caller's end (StopAborted) from
// the call's deadline (StopDeadline).
const stopContextEnded StopReason = ""

// refuse returns a refusal whose event reports err.
func refuse(reason StopReason, err error) *refusal { return &refusal{reason, err, err} }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// asRefusal returns the guard's refusal in err's chain, or nil. It walks
// the chain itself, as errors.As would, because errors.As makes its
// target escape: an allocation for every failed attempt.
func asRefusal(err error) *refusal {
	for err != nil {
		switch e := err.(type) {
		case *refusal:
			return e
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				if ref := asRefusal(x); ref != nil {
					return ref
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// resolve gives a refusal for an ended context its reason.
func (s *callState) resolve(ctx context.Context, ref *refusal) *refusal {
	if ref.reason != stopContextEnded {
		return ref
	}
	if err := s.callerErr(ctx); err != nil {
		return refuse(StopAborted, err)
	}
	return refuse(StopDeadline, context.DeadlineExceeded)
}

// breakerGuard asks the breaker and tells it each outcome.
type breakerGuard struct{ b CircuitBreaker }

func (g breakerGuard) admit(context.Context) (breaker.Ticket, *refusal) {
	t, err := g.b.Allow()
	if err != nil {
		return t, refuse(StopCircuitOpen, err)
	}
	return t, nil
}

func (g breakerGuard) done(t breaker.Ticket, o outcome) breaker.Transition {
	return g.b.Record(t, o.kind, o.class)
}

// throttleGuard asks the throttle and tells it whether the backend
// accepted each request it let through.
type throttleGuard struct{ t *throttle.Throttle }

func (g throttleGuard) admit(context.Context) (breaker.Ticket, *refusal) {
	if !g.t.Allow() {
		return breaker.Ticket{}, refuse(StopThrottled, throttle.ErrThrottled)
	}
	return breaker.Ticket{}, nil
}

func (g throttleGuard) done(_ breaker.Ticket, o outcome) breaker.Transition {
	switch o.kind {
	case breaker.Success:
		g.t.Record(true)
	case breaker.Failure:
		g.t.Record(throttle.Accepted(o.class))
	}
	return breaker.Transition{}
}

// bulkheadGuard takes a slot, waiting for one within the bulkhead's
// maximum wait, the call's deadline and the caller's context.
type bulkheadGuard struct{ b *bulkhead.Bulkhead }

func (g bulkheadGuard) admit(ctx context.Context) (breaker.Ticket, *refusal) {
	if g.b.TryAcquire() {
		return breaker.Ticket{}, nil
	}
	switch err := g.b.Acquire(ctx); {
	case err == nil:
		return breaker.Ticket{}, nil
	case errors.Is(err, bulkhead.ErrFull):
		return breaker.Ticket{}, refuse(StopBulkheadFull, err)
	default:
		return breaker.Ticket{}, refuse(stopContextEnded, err)
	}
}

func (g bulkheadGuard) done(breaker.Ticket, outcome) breaker.Transition {
	g.b.Release()
	return breaker.Transition{}
}

// budgetGuard grants retries and hedges, and tells a budget that learns
// from traffic of each call and attempt.
type budgetGuard struct {
	b       budget.Budget
	learner budget.Learner    // nil unless b is one
	aware   budget.ClassAware // nil unless b is one
}

func newBudgetGuard(b budget.Budget) *budgetGuard {
	g := &budgetGuard{b: b}
	g.learner, _ = b.(budget.Learner)
	g.aware, _ = b.(budget.ClassAware)
	return g
}

// admitRetry asks for a retry after a failure err classified c. A budget
// that cannot decide fails closed.
func (g *budgetGuard) admitRetry(ctx context.Context, err error, c classifier.Classification) *refusal {
	var ok bool
	var berr error
	if g.aware != nil {
		ok, berr = g.aware.AllowRetryFor(ctx, err, c)
	} else {
		ok, berr = g.b.AllowRetry(ctx)
	}
	switch {
	case berr != nil:
		return &refusal{StopBudgetExhausted,
			fmt.Errorf("%w (failed closed: %w)", budget.ErrExhausted, berr), berr}
	case !ok:
		return &refusal{StopBudgetExhausted, budget.ErrExhausted, nil}
	}
	return nil
}

// admit asks for a hedge, priced as a plain retry.
func (g *budgetGuard) admit(ctx context.Context) (breaker.Ticket, *refusal) {
	ok, err := g.b.AllowRetry(ctx)
	if !ok || err != nil {
		return breaker.Ticket{}, &refusal{StopBudgetExhausted, budget.ErrExhausted, err}
	}
	return breaker.Ticket{}, nil
}

// done is told each attempt's outcome: a success, or a failure of a
// class that is retried.
func (g *budgetGuard) done(_ breaker.Ticket, o outcome) breaker.Transition {
	if g.learner != nil {
		g.learner.RecordOutcome(o.kind == breaker.Success)
	}
	return breaker.Transition{}
}

// begin is told that a call starts.
func (g *budgetGuard) begin() {
	if g.learner != nil {
		g.learner.RecordRequest()
	}
}

// succeeded is told that a call succeeded at attempt n; last and lastErr
// are the failure before the last retry, if n > 1.
func (g *budgetGuard) succeeded(n int, last classifier.Classification, lastErr error) {
	if g.aware != nil {
		g.aware.RecordSuccess(n > 1, last, lastErr)
	}
}
