package breaker

import (
	"time"

	"github.com/redress-go/redress/classifier"
)

// The closed state counts outcomes: in the window (every mode), in the
// run of failures in a row (every mode; the consecutive-failures mode opens
// on it), and calls (the failure-rate mode only).

// eventOf returns what outcome o with class cl adds to the window.
func (b *Breaker) eventOf(o Outcome, cl classifier.Class) event {
	e := event{call: b.cfg.mode == modeRate && o != Cancelled}
	switch {
	case o == Panicked:
		e.failure = true
	case o == Failure && cl.Valid():
		e.failure = b.cfg.tripOn[cl]
		e.class, e.ofClass = cl, b.cfg.classThreshold[cl] > 0
	}
	return e
}

// recordClosed counts e, n times over, seen while the breaker's word was
// w (Closed), and opens the breaker if a threshold has been reached.
func (b *Breaker) recordClosed(w uint64, e event, n int64) Transition {
	now := b.now()
	var run uint64
	if e.failure || e.ofClass {
		// Check that the ticket is still current and count the failure
		// with no change of state in between (the clock read above is a
		// place to be preempted): a stale failure must not count in the
		// next generation's window.
		b.mu.RLock()
		if b.word.Load() != w {
			b.mu.RUnlock()
			return Transition{}
		}
		b.win.addN(now, e, n)
		b.noteFailure(now)
		if e.failure {
			run = b.extendRun(generation(w), n)
		}
		b.mu.RUnlock()
	} else {
		// A success in the failure-rate mode only adds a call; re-checking
		// without the lock keeps that path lock-free, at the cost of a
		// rare stale call counted towards the next generation's minimum.
		if b.word.Load() != w {
			return Transition{}
		}
		b.win.addN(now, e, n)
	}
	if !b.shouldTrip(now, e, run) {
		return Transition{}
	}
	b.mu.Lock()
	if b.word.Load() != w {
		// Another outcome changed the state first.
		b.mu.Unlock()
		return Transition{}
	}
	tr := b.openLocked(w, now, b.recoveryEnd(now), false)
	b.mu.Unlock()
	b.notify(tr)
	return tr
}

// shouldTrip reports whether, after counting e at time now, the breaker's
// counts have reached a threshold. run is the run of consecutive failures
// after e.
func (b *Breaker) shouldTrip(now int64, e event, run uint64) bool {
	if !e.ofClass && b.cfg.mode == modeConsecutive {
		// No need to sum the window.
		return e.failure && int64(run) >= b.cfg.consecutive
	}
	s := b.win.sum(now, e.class)
	if e.ofClass && s.class >= b.cfg.classThreshold[e.class] {
		return true
	}
	switch b.cfg.mode {
	case modeRate:
		return s.calls >= b.cfg.minCalls && float64(s.failures)/float64(s.calls) >= b.cfg.rate
	case modeConsecutive:
		return e.failure && int64(run) >= b.cfg.consecutive
	}
	return e.failure && s.failures >= b.cfg.threshold
}

// recoveryEnd returns when a breaker that opens at now on its own (tripped
// by its counts, or by a failed probe) goes half-open.
func (b *Breaker) recoveryEnd(now int64) int64 { return addSat(now, b.cfg.recovery) }

// addSat returns t+d, or forever if that overflows.
func addSat(t int64, d time.Duration) int64 {
	if int64(d) > forever-t {
		return forever
	}
	return t + int64(d)
}
