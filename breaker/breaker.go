// Package breaker is a circuit breaker: it stops calls to a dependency that
// keeps failing, so that the dependency gets room to recover and callers
// fail fast instead of waiting on it.
//
// A Breaker is Closed at first and lets every call through, counting the
// failures of the classes it trips on (see WithTripOn). It opens when they
// reach a threshold in a rolling window (the default), a failure rate
// (WithFailureRate) or a run of failures in a row
// (WithConsecutiveFailures), and then rejects every call with ErrOpen.
// After the recovery timeout it is HalfOpen: it lets a few probe calls
// through (WithHalfOpenProbes), closes when enough of them have succeeded
// (WithSuccessThreshold, by default all) and opens again when one fails;
// a probe that never reports back has its slot reclaimed
// (WithMaxProbeWait). There are no goroutines or timers: the move from
// open to half-open, like the reclaiming of a probe slot, is decided when
// the breaker is asked, on its clock.
//
// A breaker is meant to be shared by every caller of the same dependency;
// pass it to each policy with redress.WithBreaker, or guard any code with
// Do, or with Allow and Record. Metrics takes a snapshot of it for
// dashboards, and OpenFor, AddFailures and OpenUntil let it take part in
// a breaker shared by a fleet of processes.
package breaker

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress/classifier"
)

// Breaker is a circuit breaker. Make one with New; the zero Breaker is not
// usable. A Breaker is safe for concurrent use, and is meant to be shared
// by every caller of the same dependency.
//
// The usual entry points are Do, and Allow followed by Record for code
// that cannot be wrapped in a function. In the closed state, a call that
// succeeds costs a few atomic loads: no lock, no allocation and, unless
// the breaker watches the failure rate, no clock read. Memory is fixed
// when the breaker is made, however much traffic it sees.
type Breaker struct {
	cfg    config
	err    error     // the configuration error, if any
	origin time.Time // the clock's time when the breaker was made

	// word packs the state (bits 0-1), whether it was forced (bit 2)
	// and the generation (the rest). It changes only under mu, and is
	// read without it on the fast paths. The times below are written
	// under mu before the word, so that a reader of a word finds them
	// at least as new.
	word        atomic.Uint64
	since       atomic.Int64  // when the state of word was entered, in nanoseconds since origin
	openUntil   atomic.Int64  // when an open breaker goes half-open, in nanoseconds since origin
	lastFailure atomic.Int64  // the last counted failure, in nanoseconds since origin; noFailure if none
	run         atomic.Uint64 // the run of consecutive failures and its generation (see run.go)
	rejected    atomic.Uint64 // calls rejected with an *OpenError since New

	// mu is held (exclusively) to change word, and for the probes. A
	// failure counted in the closed state holds it shared, so that the
	// check that its ticket is current and the counting happen with no
	// change of state in between; successes never take it.
	mu         sync.RWMutex
	inFlight   atomic.Int64 // probes out in this half-open generation; written under mu
	passed     atomic.Int64 // probes that succeeded in this half-open period; written under mu
	probeEvent int64        // when a probe was last let through or reported back; under mu

	win window
}

const (
	stateBits = 3
	stateMask = 3
	forcedBit = 4
	noFailure = math.MinInt64
	forever   = math.MaxInt64
)

func pack(gen uint64, s State, forced bool) uint64 {
	w := gen<<stateBits | uint64(s)
	if forced {
		w |= forcedBit
	}
	return w
}

func stateOf(w uint64) State     { return State(w & stateMask) }
func forcedOf(w uint64) bool     { return w&forcedBit != 0 }
func generation(w uint64) uint64 { return w >> stateBits }

// New returns a closed breaker configured by opts. With no options it
// opens after 5 failures of class TRANSIENT or SERVER_ERROR within 60 s,
// stays open for 30 s, then lets 1 probe call through, whose success
// closes it; a probe that has not reported back after 5 minutes has its
// slot reclaimed.
//
// New does not panic on invalid options. It returns a breaker whose Err
// reports the error, naming each invalid option and wrapping
// ErrInvalidConfig, and whose Allow rejects every call with that error.
func New(opts ...Option) *Breaker {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			cfg.invalid("Option(nil)", "an option is nil")
			continue
		}
		o.apply(&cfg)
	}
	b := &Breaker{cfg: cfg, err: cfg.err()}
	b.lastFailure.Store(noFailure)
	if b.err != nil {
		return b
	}
	b.origin = cfg.clock.Now()
	// Round the bucket width up, so that a failure counts for at least
	// (numBuckets-1)/numBuckets of the window whatever its length.
	b.win.init(int64((cfg.window + numBuckets - 1) / numBuckets))
	return b
}

// Err returns the error of the breaker's configuration, which wraps
// ErrInvalidConfig, or nil when the configuration is valid.
func (b *Breaker) Err() error { return b.err }

// now returns the clock's time in nanoseconds since the breaker was made.
func (b *Breaker) now() int64 {
	return max(int64(b.cfg.clock.Now().Sub(b.origin)), 0)
}

// Allow asks for permission to make one call. It returns a Ticket to hand
// back to Record with the call's outcome, or an *OpenError (for which
// errors.Is(err, ErrOpen) holds) when the breaker is open, or half-open
// with every probe slot taken. A breaker with an invalid configuration
// returns its configuration error (see Err).
//
// Every ticket must be handed back to Record, including with the outcome
// Cancelled when the call was not made: a half-open breaker waits for the
// outcome of each probe it let through (for as long as WithMaxProbeWait
// says).
func (b *Breaker) Allow() (Ticket, error) {
	if b.err != nil {
		return Ticket{}, b.err
	}
	if w := b.word.Load(); stateOf(w) == Closed {
		return Ticket{Generation: generation(w)}, nil
	}
	return b.allowSlow()
}

// allowSlow is Allow for a breaker that was not closed when asked.
func (b *Breaker) allowSlow() (Ticket, error) {
	now := b.now()
	if w := b.word.Load(); stateOf(w) == Open {
		// Reject without the lock while the recovery timeout runs.
		if err := b.rejectOpen(w, now); err != nil {
			b.rejected.Add(1)
			return Ticket{}, err
		}
	}

	b.mu.Lock()
	w := b.word.Load()
	gen := generation(w)
	switch stateOf(w) {
	case Closed:
		b.mu.Unlock()
		return Ticket{Generation: gen}, nil
	case HalfOpen:
		t, ok := b.admitProbeLocked(w, now)
		b.mu.Unlock()
		if !ok {
			b.rejected.Add(1)
			return Ticket{}, &OpenError{State: HalfOpen}
		}
		return t, nil
	}
	if err := b.rejectOpen(w, now); err != nil {
		b.mu.Unlock()
		b.rejected.Add(1)
		return Ticket{}, err
	}
	// The first call after the recovery timeout moves the breaker to
	// half-open and takes the first probe slot. The half-open state began
	// when the recovery timeout ended, whenever the first call came.
	b.inFlight.Store(1)
	b.passed.Store(0)
	b.probeEvent = now
	b.since.Store(b.openUntil.Load())
	b.word.Store(pack(gen+1, HalfOpen, false))
	b.mu.Unlock()
	tr := Transition{From: Open, To: HalfOpen}
	t := Ticket{Generation: gen + 1, Probe: true, Transition: tr}
	notified := false
	defer func() {
		if !notified {
			// A listener panicked: the caller never gets the ticket, so
			// give its probe slot back (the panic goes on unchanged).
			b.Record(t, Cancelled, classifier.Unknown)
		}
	}()
	b.notify(tr)
	notified = true
	return t, nil
}

// rejectOpen returns the error for a call at time now to a breaker whose
// word w is Open, or nil when the recovery timeout has passed.
func (b *Breaker) rejectOpen(w uint64, now int64) error {
	if forcedOf(w) {
		return &OpenError{State: Open, Forced: true}
	}
	left := b.openUntil.Load() - now
	if left <= 0 {
		return nil
	}
	return &OpenError{State: Open, RetryIn: time.Duration(left)}
}

// Record reports the outcome of a call that Allow let through, with the
// class of its failure (ignored for other outcomes). It returns the change
// of state the outcome caused, or the zero Transition when it caused none.
// Listeners of the change have been called, outside the breaker's locks,
// by the time Record returns.
//
// Record ignores a ticket from an older generation than the breaker's: an
// outcome reported after a change of state, of a call allowed before it,
// says nothing about the new state. Each ticket must be recorded once.
func (b *Breaker) Record(t Ticket, o Outcome, cl classifier.Class) Transition {
	if b.err != nil {
		return Transition{}
	}
	w := b.word.Load()
	if generation(w) != t.Generation {
		return Transition{}
	}
	e := b.eventOf(o, cl)
	switch stateOf(w) {
	case Closed:
		if o == Cancelled {
			return Transition{}
		}
		if !e.failure {
			// The dependency answered: the run of failures ends.
			b.endRun(t.Generation)
			if !e.ofClass && !e.call {
				// The fast path: nothing to count.
				return Transition{}
			}
		}
		return b.recordClosed(w, e, 1)
	case HalfOpen:
		if t.Probe {
			return b.recordProbe(t, o, e)
		}
	}
	return Transition{}
}

// openLocked moves the breaker from word w to Open at time now, until
// time until (ignored when forced). b.mu must be held.
func (b *Breaker) openLocked(w uint64, now, until int64, forced bool) Transition {
	tr := Transition{From: stateOf(w), To: Open}
	gen := generation(w)
	if tr.Changed() {
		gen++
	}
	// Before the word, so that readers of Open see them.
	b.since.Store(now)
	b.openUntil.Store(until)
	b.word.Store(pack(gen, Open, forced))
	return tr
}

// closeLocked moves the breaker from word w to Closed at time now, with an
// empty window. b.mu must be held.
func (b *Breaker) closeLocked(w uint64, now int64) Transition {
	tr := Transition{From: stateOf(w), To: Closed}
	gen := generation(w)
	if tr.Changed() {
		gen++
		b.since.Store(now)
	}
	b.win.clear()
	b.run.Store(runWord(gen, 0))
	b.inFlight.Store(0)
	b.passed.Store(0)
	b.word.Store(pack(gen, Closed, false))
	return tr
}

// noteFailure makes now the time of the last failure, unless a later one
// was noted first.
func (b *Breaker) noteFailure(now int64) {
	for {
		last := b.lastFailure.Load()
		if last >= now || b.lastFailure.CompareAndSwap(last, now) {
			return
		}
	}
}

// notify calls the listeners of tr, if it is a change. No lock may be held.
func (b *Breaker) notify(tr Transition) {
	if !tr.Changed() {
		return
	}
	for _, f := range b.cfg.listeners {
		f(tr.From, tr.To)
	}
}
