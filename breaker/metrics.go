package breaker

import (
	"time"

	"github.com/redress-go/redress/classifier"
)

// Metrics is a snapshot of a breaker, for dashboards and health endpoints.
// Breaker.Metrics takes it.
//
// Each field is read on its own, without stopping the breaker, so fields
// may be from slightly different instants when calls are being recorded
// at the same time (a failure may be in Failures but not yet in
// ConsecutiveFailures). Each field on its own is a value the breaker had.
type Metrics struct {
	// State is the state, as State reports it: HalfOpen once an open
	// breaker's open time has passed, even if no call has come since.
	State State
	// StateSince is when, on the breaker's clock, the breaker entered
	// State: when it was made, closed, or opened (an OpenFor or ForceOpen
	// of an open breaker starts its open time again), or when its open
	// time ended, for HalfOpen.
	StateSince time.Time
	// Forced reports whether the breaker was forced open (see ForceOpen).
	Forced bool
	// OpenUntil is when the open breaker goes half-open, as
	// Breaker.OpenUntil returns it: the zero Time unless State is Open
	// and the breaker was not forced.
	OpenUntil time.Time

	// Failures is the number of failures counted in the current window,
	// as Breaker.FailureCount returns it.
	Failures int
	// Successes is the number of calls in the current window that did
	// not count as a failure, and FailureRate the share of the calls in
	// the window that failed, as the failure-rate mode compares it with
	// its ratio (0 when there were no calls). A breaker counts calls only
	// in the failure-rate mode (see WithFailureRate), which is what keeps
	// a success in the other modes from reading the clock: in them both
	// are 0.
	Successes   int
	FailureRate float64
	// ConsecutiveFailures is the run of counted failures since the last
	// call that did not fail, in every mode (the consecutive-failures mode
	// opens on it). It is 0 unless the breaker is Closed.
	ConsecutiveFailures int

	// ProbesInFlight is the number of probes let through and not yet
	// reported back, and ProbeSuccesses the number that succeeded, in
	// this half-open period. Both are 0 unless the breaker is HalfOpen.
	ProbesInFlight int
	ProbeSuccesses int

	// Rejected is the number of calls the breaker rejected with an
	// *OpenError since it was made. It only grows.
	Rejected uint64
}

// Metrics returns a snapshot of the breaker (see Metrics for what each
// field says and how consistent they are). It takes no lock, reads the
// clock once and sums the window's buckets. A breaker with an invalid
// configuration returns the zero Metrics.
func (b *Breaker) Metrics() Metrics {
	if b.err != nil {
		return Metrics{}
	}
	now := b.now()
	w := b.word.Load()
	m := Metrics{State: stateOf(w), Forced: forcedOf(w)}
	since := b.since.Load()
	switch m.State {
	case Closed:
		m.ConsecutiveFailures = int(runOf(b.run.Load(), generation(w)))
	case HalfOpen:
		m.ProbesInFlight = int(b.inFlight.Load())
		m.ProbeSuccesses = int(b.passed.Load())
	case Open:
		if until := b.openUntil.Load(); !m.Forced {
			if now >= until {
				m.State, since = HalfOpen, until
			} else {
				m.OpenUntil = b.origin.Add(time.Duration(until))
			}
		}
	}
	m.StateSince = b.origin.Add(time.Duration(since))

	s := b.win.sum(now, classifier.Unknown)
	m.Failures = int(s.counted)
	if b.cfg.mode == modeRate && s.calls > 0 {
		// The counts are read one after the other while calls are being
		// added: keep the snapshot within its own bounds.
		m.Successes = int(max(s.calls-s.counted, 0))
		m.FailureRate = min(float64(s.failures)/float64(s.calls), 1)
	}
	m.Rejected = b.rejected.Load()
	return m
}
