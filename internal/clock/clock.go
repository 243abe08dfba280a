// Package clock is the one place in redress that reads the time package's
// clock. Everything else receives a Clock, so that tests can replace time
// with a fake one (see package redresstest) and every sleep becomes
// deterministic.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and makes timers. Implementations must be safe for
// concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTimer returns a timer that sends the time on its channel once d
	// has passed. A d of zero or less fires at once.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine once d has passed, unless the
	// returned timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a single-shot timer made by a Clock.
type Timer interface {
	// C returns the channel on which the timer fires. It is nil for
	// timers made by AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing. It reports whether the call
	// stopped the timer, false if it had already fired or been stopped.
	Stop() bool
}

// Real is the clock of the time package. Its timers are the time package's
// timers, so code that uses it also runs under testing/synctest.
//
// Its Now reads only the monotonic clock: it is the time at which the
// package was initialised plus the monotonic time elapsed since, which
// costs one clock read where time.Now costs two (the success path of
// Execute reads the clock once, so this is a third of its cost). The
// result carries a monotonic reading, so comparisons, Sub and deadlines
// are exact; only its wall-clock part does not follow a step of the
// system clock made after start, which nothing in redress relies on.
var Real Clock = realClock{}

type realClock struct{}

// IsReal reports whether c is the real clock, whose times compare with
// the deadlines of contexts.
func IsReal(c Clock) bool {
	_, ok := c.(realClock)
	return ok
}

// base anchors the real clock's readings.
var base = time.Now()

func (realClock) Now() time.Time { return base.Add(time.Since(base)) }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// Sleep blocks until d has passed on c or ctx is done, whichever is first.
// It returns nil after a full sleep and context.Cause(ctx) otherwise. A d of
// zero or less returns nil at once without touching the clock, unless ctx
// is already done.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	t := c.NewTimer(d)
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		t.Stop()
		return context.Cause(ctx)
	}
}

// WithTimeoutCause is context.WithTimeoutCause on clock c: the returned
// context is cancelled with cause once d has passed on c. On the real clock
// it is exactly context.WithTimeoutCause; on any other clock the deadline
// is driven by c.AfterFunc, and the context's Deadline reports the time on
// c at which it fires.
func WithTimeoutCause(parent context.Context, c Clock, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	if _, ok := c.(realClock); ok {
		return context.WithTimeoutCause(parent, d, cause)
	}
	deadline := c.Now().Add(d)
	ctx, cancel := context.WithCancelCause(parent)
	t := c.AfterFunc(d, func() { cancel(cause) })
	return deadlineContext{ctx, deadline}, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// deadlineContext reports a deadline on a clock other than the real one.
type deadlineContext struct {
	context.Context
	deadline time.Time
}

func (c deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }
