package breaker

import (
	"time"

	"github.com/redress-go/redress/classifier"
)

// The methods in this file let a breaker take part in a decision made
// elsewhere: a breaker shared by a fleet of processes opens each process's
// local breaker when one of them trips, and feeds each the failures the
// others counted. Local changes reach such a fleet through the breaker's
// listeners (see WithOnStateChange).

// OpenFor opens the breaker now, as if it had tripped, for d: rejections
// say how long is left, and once d has passed the breaker goes half-open
// and lets probes through, as after its recovery timeout. d of 0 or less
// means the recovery timeout (see WithRecoveryTimeout). Unlike ForceOpen,
// it is not sticky.
//
// An open breaker stays open, for d from now (which may shorten or
// lengthen what was left of its open time). A half-open breaker opens,
// and the outcomes of its probes out are ignored. A breaker forced open
// (see ForceOpen) is left as it is: an operator decides when it closes.
//
// It returns the change it made, the zero Transition when the breaker was
// open already (also when its open time had passed but no call had made it
// half-open yet) or forced open; listeners are told of the change before
// it returns.
func (b *Breaker) OpenFor(d time.Duration) Transition {
	if b.err != nil {
		return Transition{}
	}
	if d <= 0 {
		d = b.cfg.recovery
	}
	now := b.now()
	b.mu.Lock()
	w := b.word.Load()
	if forcedOf(w) {
		b.mu.Unlock()
		return Transition{}
	}
	tr := b.openLocked(w, now, addSat(now, d), false)
	b.mu.Unlock()
	b.notify(tr)
	return tr
}

// AddFailures counts n failures of class c that were seen elsewhere (by
// another process sharing the dependency) as if each had been recorded
// here: they count in the window, against class c's threshold, towards
// the failure rate (each as a failed call) and in the run of consecutive
// failures, and they may open the breaker. A class outside WithTripOn
// with a threshold of its own counts only in the window and against that
// threshold (it neither adds to the run nor ends it). A class that a
// recorded failure would not count with (outside WithTripOn, with no
// threshold of its own) adds nothing; neither does n of 0 or less. n above 4294967295
// counts as 4294967295.
//
// It is ignored unless the breaker is closed: an open breaker is not
// counting, and a half-open one is waiting on its own probes. It returns
// the change it made, the zero Transition when it made none; listeners are
// told of the change before it returns.
//
// The breaker cannot tell a failure it recorded itself from one added
// back: a caller that shares this process's failures with others and
// adds the others' back must leave out this process's own, or they count
// twice.
func (b *Breaker) AddFailures(n int, c classifier.Class) Transition {
	if b.err != nil || n <= 0 || !c.Valid() {
		return Transition{}
	}
	w := b.word.Load()
	if stateOf(w) != Closed {
		return Transition{}
	}
	e := b.eventOf(Failure, c)
	if !e.failure && !e.ofClass {
		return Transition{}
	}
	return b.recordClosed(w, e, int64(min(uint64(n), maxConsecutive)))
}

// OpenUntil returns when the open breaker goes half-open and lets a probe
// through, on the breaker's clock, for a server to tell its callers when
// to come back (an HTTP Retry-After, a gRPC pushback). It returns the zero
// Time when the breaker is not Open (as State reports it: a breaker whose
// open time has passed is HalfOpen), and when it was forced open, which
// ends only with Reset. The RetryIn of the *OpenError that Allow returns
// is the same instant, as a duration from the rejection.
func (b *Breaker) OpenUntil() time.Time {
	if b.err != nil {
		return time.Time{}
	}
	w := b.word.Load()
	if stateOf(w) != Open || forcedOf(w) {
		return time.Time{}
	}
	until := b.openUntil.Load()
	if b.now() >= until {
		return time.Time{}
	}
	return b.origin.Add(time.Duration(until))
}
