package breaker

import "time"

// The half-open state lets probe calls through, at most cfg.probes at
// once, until cfg.successes of them (by default as many as the probes)
// have succeeded, which closes the breaker, or one fails, which opens it
// again. Probe counts change only under b.mu; they are atomics so that
// Metrics can read them without it.

// needed returns how many probes must succeed for the breaker to close.
func (c *config) needed() int64 {
	if c.successes > 0 {
		return c.successes
	}
	return c.probes
}

// admitsProbe reports whether a half-open breaker with inFlight probes out
// and passed successes so far lets one more probe through, when probes
// may be out at once and needed successes close it.
//
// While needed is at most probes, no more probes are let through in one
// half-open period than the probes (the ones that succeeded still count);
// when needed is larger, a success frees its slot, but no more are let
// through than the successes still needed. Either way, some probe can be
// let through while no probe is out and the breaker is half-open (passed
// is then below needed), so the breaker can always close.
func admitsProbe(inFlight, passed, probes, needed int64) bool {
	return inFlight < probes && passed+inFlight < max(probes, needed)
}

// admitProbeLocked lets a call at time now through the half-open breaker
// of word w as a probe, and reports whether it did. When every slot is
// taken and the probes out have been waited on for the longest probe wait,
// it reclaims their slots first: the breaker stays half-open in a new
// generation, so that their outcomes, if they come, are ignored. b.mu
// must be held.
func (b *Breaker) admitProbeLocked(w uint64, now int64) (Ticket, bool) {
	gen := generation(w)
	inFlight, passed := b.inFlight.Load(), b.passed.Load()
	if !admitsProbe(inFlight, passed, b.cfg.probes, b.cfg.needed()) {
		if !b.reclaimable(inFlight, now) {
			return Ticket{}, false
		}
		gen++
		b.word.Store(pack(gen, HalfOpen, false))
	}
	if gen != generation(w) {
		b.inFlight.Store(1)
	} else {
		b.inFlight.Add(1)
	}
	b.probeEvent = now
	return Ticket{Generation: gen, Probe: true}, true
}

// reclaimable reports whether, at time now, the inFlight probes of a
// half-open breaker have been waited on long enough to reclaim their
// slots. b.mu must be held.
func (b *Breaker) reclaimable(inFlight int64, now int64) bool {
	wait := b.cfg.maxProbeWait
	return wait > 0 && inFlight > 0 && time.Duration(now-b.probeEvent) >= wait
}

// recordProbe records the outcome of probe t in the half-open state.
func (b *Breaker) recordProbe(t Ticket, o Outcome, e event) Transition {
	now := b.now()
	b.mu.Lock()
	w := b.word.Load()
	if generation(w) != t.Generation || stateOf(w) != HalfOpen {
		b.mu.Unlock()
		return Transition{}
	}
	var tr Transition
	switch {
	case o == Cancelled:
		b.inFlight.Store(max(b.inFlight.Load()-1, 0))
		b.probeEvent = now
	case e.failure || e.ofClass:
		b.win.add(now, e)
		b.noteFailure(now)
		tr = b.openLocked(w, now, b.recoveryEnd(now), false)
	default:
		b.inFlight.Store(max(b.inFlight.Load()-1, 0))
		b.probeEvent = now
		if b.passed.Add(1) >= b.cfg.needed() {
			tr = b.closeLocked(w, now)
		}
	}
	b.mu.Unlock()
	b.notify(tr)
	return tr
}
