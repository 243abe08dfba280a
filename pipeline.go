package redress

import (
	"context"
	"fmt"

	"github.com/redress-go/redress/breaker"
)

// Stage names a stage of the pipeline, for WithOrder.
type Stage uint8

// The stages whose place WithOrder decides. The others have a fixed place:
// call middleware (WithCallMiddleware) and then the fallback (WithFallback)
// wrap everything; the budget belongs to the retry loop; hedging
// (WithHedging) and then the attempt timeout are innermost, around the
// operation.
const (
	// StageBreaker is the circuit breaker of WithBreaker. Outside the
	// retry loop it is asked once per call and told the call's outcome;
	// inside, it is asked before every attempt and told each attempt's
	// outcome, and a rejection ends the call with StopCircuitOpen.
	StageBreaker Stage = iota + 1
	// StageThrottle is the client-side throttle of WithThrottle. Outside
	// the retry loop it counts calls; inside, attempts.
	StageThrottle
	// StageBulkhead is the bulkhead of WithBulkhead. Outside the retry
	// loop a call holds its slot through its retries and their sleeps;
	// inside, each attempt takes a slot and gives it back.
	StageBulkhead
	// StageMiddleware is the attempt middleware of WithMiddleware. It
	// must come after StageRetry.
	StageMiddleware
	// StageRetry is the retry loop, with the budget that grants its
	// retries. Stages before it run once per call, stages after it once
	// per attempt.
	StageRetry
)

var stageNames = [...]string{
	StageBreaker:    "breaker",
	StageThrottle:   "throttle",
	StageBulkhead:   "bulkhead",
	StageMiddleware: "middleware",
	StageRetry:      "retry",
}

// String returns the stage's name, such as "breaker".
func (s Stage) String() string {
	if int(s) < len(stageNames) && stageNames[s] != "" {
		return stageNames[s]
	}
	return fmt.Sprintf("Stage(%d)", uint8(s))
}

// defaultOrder is the default pipeline.
var defaultOrder = []Stage{StageBreaker, StageRetry, StageMiddleware, StageThrottle, StageBulkhead}

// WithOrder sets the order of the pipeline's stages, outermost first:
// stages before StageRetry run once per call, stages after it once per
// attempt. For example, a breaker that sees every attempt, as in
// libraries that put it inside the retry loop:
//
//	redress.WithOrder(redress.StageRetry, redress.StageBreaker)
//
// StageRetry must be given (so WithOrder() with no stages is an invalid
// configuration), each stage at most once, and StageMiddleware only after
// StageRetry. Every stage that is configured must be placed;
// a placed stage that is not configured is skipped. Stages whose place is
// fixed are listed with Stage. Default: StageBreaker, StageRetry,
// StageMiddleware, StageThrottle, StageBulkhead (breaker → budget → retry
// → attempt middleware → throttle → bulkhead → hedging → timeout);
// repeating replaces.
func WithOrder(stages ...Stage) Option {
	order := append([]Stage(nil), stages...)
	return optionFunc(func(c *config) {
		c.order, c.orderSet = order, true
		c.dirty |= dirtyStages
	})
}

// resolveStages splits the order into the guards outside the retry loop
// and the stages inside it.
func (c *config) resolveStages() error {
	order := c.order
	if !c.orderSet {
		order = defaultOrder
	}
	var seen [len(stageNames)]bool
	retryAt := -1
	for i, s := range order {
		switch {
		case int(s) >= len(stageNames) || stageNames[s] == "":
			return invalidf("WithOrder", "unknown stage %v", s)
		case seen[s]:
			return invalidf("WithOrder", "stage %v given twice", s)
		case s == StageRetry:
			retryAt = i
		case s == StageMiddleware && retryAt < 0:
			return invalidf("WithOrder", "stage middleware must come after retry")
		}
		seen[s] = true
	}
	if retryAt < 0 {
		return invalidf("WithOrder", "stage retry is missing")
	}
	guards := [len(stageNames)]guard{}
	if c.breaker != nil {
		guards[StageBreaker] = breakerGuard{c.breaker}
	}
	if c.throttle != nil {
		guards[StageThrottle] = throttleGuard{c.throttle}
	}
	if c.bulkhead != nil {
		guards[StageBulkhead] = bulkheadGuard{c.bulkhead}
	}
	configured := func(s Stage) bool {
		return guards[s] != nil || (s == StageMiddleware && len(c.middleware) > 0)
	}
	for s := range stageNames {
		if s != int(StageRetry) && configured(Stage(s)) && !seen[s] {
			return invalidf("WithOrder", "stage %v is configured but not placed", Stage(s))
		}
	}
	c.callGuards, c.attemptStages, c.attemptGuards = nil, nil, nil
	for i, s := range order {
		switch {
		case !configured(s):
		case i < retryAt:
			c.callGuards = append(c.callGuards, guards[s])
		default:
			if s == StageMiddleware {
				c.mwNext = len(c.attemptStages) + 1
			}
			c.attemptStages = append(c.attemptStages, s)
			c.attemptGuards = append(c.attemptGuards, guards[s])
		}
	}
	return nil
}

// callStage runs the guards outside the retry loop from i on, then the
// loop. A guard that refuses ends the call; each that admitted it is told
// how the call ended, a panic included.
func (r *runner[T]) callStage(ctx context.Context, i int) error {
	gs := r.cfg.callGuards
	if i == len(gs) {
		return r.loop(ctx)
	}
	g := gs[i]
	t, ref := r.admit(ctx, g)
	if ref != nil {
		return r.stop(ctx, stopInfo{reason: ref.reason, cause: ref.err, eventCause: ref.event})
	}
	finished := false
	defer func() {
		if !finished { // the operation panicked: the panic goes on unchanged
			r.circuitEvent(ctx, g.done(t, outcome{kind: breaker.Panicked, class: r.last.Class}))
		}
	}()
	err := r.callStage(ctx, i+1)
	finished = true
	o := outcome{kind: breaker.Success}
	switch {
	case err == nil:
	case !r.reachedDependency():
		o.kind = breaker.Cancelled
	default:
		o = outcome{kind: breaker.Failure, class: r.last.Class}
	}
	r.circuitEvent(ctx, g.done(t, o))
	return err
}

// admit asks guard g to let the call or attempt through.
func (s *callState) admit(ctx context.Context, g guard) (breaker.Ticket, *refusal) {
	t, ref := g.admit(ctx)
	s.circuitEvent(ctx, t.Transition)
	if ref != nil {
		return t, s.resolve(ctx, ref)
	}
	if t.Probe {
		s.probe = true
	}
	return t, nil
}

// attemptStage runs the stages inside the retry loop from i on, then the
// attempt. A guard that refuses returns a *refusal, which ends the call.
func (r *runner[T]) attemptStage(ctx context.Context, i int) error {
	st := r.cfg.attemptStages
	if i == len(st) {
		return r.innermost(ctx)
	}
	if st[i] == StageMiddleware {
		r.mwAttempt.Number = r.n
		return r.cfg.handler(ctx, r.mwAttempt)
	}
	g := r.cfg.attemptGuards[i]
	t, ref := r.admit(ctx, g)
	if ref != nil {
		return ref
	}
	finished := false
	defer func() {
		if !finished {
			r.circuitEvent(ctx, g.done(t, outcome{kind: breaker.Panicked, class: r.last.Class}))
		}
	}()
	err := r.attemptStage(ctx, i+1)
	finished = true
	o := outcome{kind: breaker.Success}
	switch {
	case err == nil:
	case asRefusal(err) != nil || r.callerErr(ctx) != nil:
		// Not sent, refused by an inner stage; or cancelled by the caller.
		o.kind = breaker.Cancelled
	default:
		o = outcome{kind: breaker.Failure, class: r.classify(err).Class}
	}
	r.circuitEvent(ctx, g.done(t, o))
	if t.Probe {
		r.probe = false // the probe was this attempt's: the next may hedge
	}
	return err
}

// afterMiddleware is what the innermost attempt middleware runs: the
// stages after it, and the attempt.
func (r *runner[T]) afterMiddleware(ctx context.Context) error {
	return r.attemptStage(ctx, r.cfg.mwNext)
}
