package redress

import "context"

// WithFallback sets the fallback of a call that fails: f is given the
// call's error, always a *StopError (a breaker's rejection is one too,
// with StopCircuitOpen), and what it returns is what Execute returns.
// Wrap err in f's own error to keep it reachable. This is graceful
// degradation: a cached value, a default, a degraded answer.
//
// The fallback runs after the breaker has recorded the call's outcome, so
// a saved call still counts as failed for the breaker, and it emits
// EventFallback after the call's terminal event. It does not run when the
// caller gave up (StopAborted: nobody is waiting for the answer) nor for
// a retry handed back to the caller (StopScheduled), nor for invalid
// options. A panic in f goes on unchanged.
//
// T must be the result type of the Execute it is used with; a mismatch is
// reported by Execute as ErrInvalidConfig, without calling the operation.
// With Do, T is struct{}. Default none; repeating replaces.
func WithFallback[T any](f func(ctx context.Context, err error) (T, error)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.invalid(invalidf("WithFallback", "fallback is nil"))
			return
		}
		c.fallback = f
	})
}

// fallbackRuns reports whether a call that stopped for reason falls back.
func fallbackRuns(reason StopReason) bool {
	return reason != StopAborted && reason != StopScheduled
}

// fallBack runs the fallback on the call's error err.
func (r *runner[T]) fallBack(ctx context.Context, err error) error {
	r.fellBack = true
	v, ferr := r.fallback(ctx, err)
	r.att.result = v
	if r.cfg.observer != nil {
		r.emit(ctx, Event{Name: EventFallback, Attempt: r.attempts, Class: r.last.Class,
			Err: err, Reason: r.reason, Cause: ferr})
	}
	return ferr
}
