package redress

import (
	"context"
	"fmt"
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

// defaultOrder is the pipeline of DESIGN.md, with the new stages in it.
var defaultOrder = []Stage{StageBreaker, StageRetry, StageMiddleware, StageThrottle, StageBulkhead}

// WithOrder sets the order of the pipeline's stages, outermost first:
// stages before StageRetry run once per call, stages after it once per
// attempt. For example, a breaker that sees every attempt, as in
// libraries that put it inside the retry loop:
//
//	redress.WithOrder(redress.StageRetry, redress.StageBreaker)
//
// StageRetry must be given, each stage at most once, and StageMiddleware
// only after StageRetry. Every stage that is configured must be placed;
// a placed stage that is not configured is skipped. Stages whose place is
// fixed are listed with Stage. Default: StageBreaker, StageRetry,
// StageMiddleware, StageThrottle, StageBulkhead (breaker → budget → retry
// → attempt middleware → throttle → bulkhead → hedging → timeout);
// repeating replaces.
func WithOrder(stages ...Stage) Option {
	order := append([]Stage(nil), stages...)
	return optionFunc(func(c *config) { c.order = order })
}

// resolveStages splits the order into the configured stages outside and
// inside the retry loop.
func (c *config) resolveStages() error {
	order := c.order
	if order == nil {
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
	configured := [len(stageNames)]bool{
		StageBreaker:    c.breaker != nil,
		StageThrottle:   c.throttle != nil,
		StageBulkhead:   c.bulkhead != nil,
		StageMiddleware: len(c.middleware) > 0,
	}
	for s, on := range configured {
		if on && !seen[s] {
			return invalidf("WithOrder", "stage %v is configured but not placed", Stage(s))
		}
	}
	c.callStages, c.attemptStages = nil, nil
	for i, s := range order {
		if !configured[s] {
			continue
		}
		if i < retryAt {
			c.callStages = append(c.callStages, s)
		} else {
			if s == StageMiddleware {
				c.mwNext = len(c.attemptStages) + 1
			}
			c.attemptStages = append(c.attemptStages, s)
		}
	}
	return nil
}

// callStage runs the call stages from i on, then the retry loop.
func (r *runner[T]) callStage(ctx context.Context, i int) error {
	st := r.cfg.callStages
	if i == len(st) {
		return r.loop(ctx)
	}
	switch st[i] {
	case StageBreaker:
		return r.breakerCall(ctx, i+1)
	case StageThrottle:
		return r.throttleCall(ctx, i+1)
	case StageBulkhead:
		return r.bulkheadCall(ctx, i+1)
	}
	return r.callStage(ctx, i+1)
}

// attemptStage runs the attempt stages from i on, then the attempt.
func (r *runner[T]) attemptStage(ctx context.Context, i int) error {
	st := r.cfg.attemptStages
	if i == len(st) {
		return r.innermost(ctx)
	}
	switch st[i] {
	case StageMiddleware:
		r.mwAttempt.Number = r.n
		return r.cfg.handler(ctx, r.mwAttempt)
	case StageBreaker:
		return r.breakerAttempt(ctx, i+1)
	case StageThrottle:
		return r.throttleAttempt(ctx, i+1)
	case StageBulkhead:
		return r.bulkheadAttempt(ctx, i+1)
	}
	return r.attemptStage(ctx, i+1)
}

// afterMiddleware is what the innermost attempt middleware runs: the
// stages after it, and the attempt.
func (r *runner[T]) afterMiddleware(ctx context.Context) error {
	return r.attemptStage(ctx, r.cfg.mwNext)
}
