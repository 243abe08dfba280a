package redresstest

import (
	"context"
	"sync"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// Recorder records what redress did in the calls it watches, for a test
// to assert on: as an observer, every event; as attempt middleware, every
// attempt and its error; as call middleware, every call and how it ended.
// Option installs all three:
//
//	var rec redresstest.Recorder
//	_, err := redress.Execute(ctx, op, policy, rec.Option())
//	// rec.Names(), rec.Calls(), rec.Attempts(), rec.Classes(), rec.TotalSleep() …
//
// The zero value is ready to use. A Recorder is safe for concurrent use,
// so one can watch calls made from many goroutines; its accessors return
// copies, in the order things happened, and nil when nothing was recorded. It must not be copied after first
// use.
type Recorder struct {
	mu       sync.Mutex
	events   []redress.Event
	calls    []Call
	attempts []Attempt
	sleeps   []sleep
}

// Call is one call as a Recorder's call middleware saw it, when it
// returned.
type Call struct {
	// Operation is the operation's name (redress.WithOperation), or "".
	Operation string
	// Attempts is the number of attempts that reached the operation.
	Attempts int
	// Hedges is the number of hedges started (redress.WithHedging).
	Hedges int
	// StopReason is why the call stopped without success, or "" when it
	// succeeded; it is kept when a fallback then saved the call.
	StopReason redress.StopReason
	// FellBack reports whether the fallback (redress.WithFallback) ran.
	FellBack bool
	// Err is the error Execute returned, nil for success.
	Err error
	// Panicked reports whether the call panicked instead of returning.
	Panicked bool
}

// Attempt is one attempt as a Recorder's middleware saw it.
type Attempt struct {
	// Operation is the operation's name (redress.WithOperation), or "".
	Operation string
	// Number is the attempt's 1-based number within its call.
	Number int
	// Err is the error the attempt returned, nil for success.
	Err error
	// Panicked reports whether the attempt panicked instead of returning.
	Panicked bool
}

// sleep is the delay of one retry event.
type sleep struct {
	operation string
	attempt   int
	d         time.Duration
	deferred  bool // handed back to the caller (SCHEDULED), not waited
}

var _ redress.Observer = (*Recorder)(nil)

// Observe records e. It is the redress.Observer method; pass the Recorder
// to redress.WithObserver, or use Option.
func (r *Recorder) Observe(_ context.Context, e redress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	switch e.Name {
	case redress.EventRetry:
		r.sleeps = append(r.sleeps, sleep{operation: e.Operation, attempt: e.Attempt, d: e.Sleep})
	case redress.EventScheduled:
		// The retry event just before it announced this delay, but the
		// caller is to wait it, not the policy.
		for i := len(r.sleeps) - 1; i >= 0; i-- {
			s := &r.sleeps[i]
			if !s.deferred && s.operation == e.Operation && s.attempt == e.Attempt && s.d == e.Sleep {
				s.deferred = true
				break
			}
		}
	}
}

// Middleware returns attempt middleware that records every attempt it
// wraps, with the error it returned. Given first to redress.WithMiddleware
// (as Option does) it is the outermost, and sees what the operation and
// every inner middleware made of the attempt.
func (r *Recorder) Middleware() redress.Middleware {
	return func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) (err error) {
			done := false
			defer func() {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.attempts = append(r.attempts, Attempt{
					Operation: a.Operation,
					Number:    a.Number,
					Err:       err,
					Panicked:  !done,
				})
			}()
			err = next(ctx, a)
			done = true
			return err
		}
	}
}

// CallMiddleware returns call middleware that records every call it
// wraps: its attempts, hedges, stop reason, whether it fell back, and the
// error Execute returned.
func (r *Recorder) CallMiddleware() redress.CallMiddleware {
	return func(next redress.CallHandler) redress.CallHandler {
		return func(ctx context.Context, c *redress.Call) (err error) {
			done := false
			defer func() {
				r.mu.Lock()
				defer r.mu.Unlock()
				r.calls = append(r.calls, Call{
					Operation:  c.Operation,
					Attempts:   c.Attempts,
					Hedges:     c.Hedges,
					StopReason: c.StopReason,
					FellBack:   c.FellBack,
					Err:        err,
					Panicked:   !done,
				})
			}()
			err = next(ctx, c)
			done = true
			return err
		}
	}
}

// Option returns an option that installs the Recorder as an observer, as
// call middleware and as attempt middleware. Give it after the policy, in
// New or Execute; as for every WithObserver, WithCallMiddleware and
// WithMiddleware, it adds to what the policy has and replaces nothing.
func (r *Recorder) Option() redress.Option {
	return redress.MustNew(
		redress.WithObserver(r),
		redress.WithCallMiddleware(r.CallMiddleware()),
		redress.WithMiddleware(r.Middleware()),
	)
}

// Calls returns every call the Recorder's call middleware saw, in the
// order they returned. It is empty when the Recorder is not installed as
// call middleware.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Events returns every event recorded.
func (r *Recorder) Events() []redress.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]redress.Event(nil), r.events...)
}

// Names returns the name of every event recorded.
func (r *Recorder) Names() []redress.EventName {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []redress.EventName
	for _, e := range r.events {
		names = append(names, e.Name)
	}
	return names
}

// Count returns how many events named name were recorded.
func (r *Recorder) Count(name redress.EventName) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Name == name {
			n++
		}
	}
	return n
}

// Reasons returns the stop reason of every call that stopped without
// success, from its terminal event.
func (r *Recorder) Reasons() []redress.StopReason {
	r.mu.Lock()
	defer r.mu.Unlock()
	var reasons []redress.StopReason
	for _, e := range r.events {
		// Only the terminal event: a fallback event repeats the reason.
		if e.Reason != "" && e.Name.Terminal() {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// classifiedStops are the stop reasons that come after the last failure
// was classified. ABORTED and CIRCUIT_OPEN come before any classification,
// and a SCHEDULED stop follows a retry event that already told the class.
var classifiedStops = map[redress.StopReason]bool{
	redress.StopMaxAttempts:         true,
	redress.StopMaxAttemptsForClass: true,
	redress.StopDeadline:            true,
	redress.StopMaxUnknownAttempts:  true,
	redress.StopNonRetryable:        true,
	redress.StopNoStrategy:          true,
	redress.StopBudgetExhausted:     true,
}

// Classes returns the class of every failure the policy classified, in
// order: one per retry event, and one for the terminal event of a call
// that stopped after classifying its last failure (every stop reason but
// ABORTED, CIRCUIT_OPEN and SCHEDULED, whose failure the retry event
// before it already told).
func (r *Recorder) Classes() []classifier.Class {
	r.mu.Lock()
	defer r.mu.Unlock()
	var classes []classifier.Class
	for _, e := range r.events {
		if e.Name == redress.EventRetry || (e.Name.Terminal() && classifiedStops[e.Reason]) {
			classes = append(classes, e.Class)
		}
	}
	return classes
}

// Attempts returns every attempt the Recorder's middleware saw. It is
// empty when the Recorder is used only as an observer.
func (r *Recorder) Attempts() []Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Attempt(nil), r.attempts...)
}

// Errors returns the error of every attempt the Recorder's middleware saw,
// nil for an attempt that succeeded.
func (r *Recorder) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, a := range r.attempts {
		errs = append(errs, a.Err)
	}
	return errs
}

// Sleeps returns the delay of every retry the policy waited for (or began
// to wait for, when the caller cancelled during the sleep), from the retry
// events. A delay handed back to the caller in defer mode (a SCHEDULED
// stop) is not a sleep and is left out.
func (r *Recorder) Sleeps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ds []time.Duration
	for _, s := range r.sleeps {
		if !s.deferred {
			ds = append(ds, s.d)
		}
	}
	return ds
}

// TotalSleep returns the sum of Sleeps: the time the policy spent waiting
// between attempts, which is virtual time on a fake clock.
func (r *Recorder) TotalSleep() time.Duration {
	var total time.Duration
	for _, d := range r.Sleeps() {
		total += d
	}
	return total
}

// Reset forgets everything recorded so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events, r.calls, r.attempts, r.sleeps = nil, nil, nil, nil
}
