package breaker

import (
	"errors"
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

// FuzzAdmitsProbe checks the half-open gate on its own: it never lets more
// probes out than the slots, never more than the successes still needed
// once those exceed the slots, and always lets one through when none is
// out (so the breaker can close).
func FuzzAdmitsProbe(f *testing.F) {
	f.Add(int64(0), int64(0), int64(1), int64(1))
	f.Add(int64(1), int64(0), int64(1), int64(1))
	f.Add(int64(2), int64(1), int64(2), int64(3))
	f.Add(int64(0), int64(4), int64(3), int64(5))
	f.Add(int64(3), int64(0), int64(3), int64(1))
	f.Fuzz(func(t *testing.T, inFlight, passed, probes, needed int64) {
		if probes < 1 || needed < 1 || passed < 0 || passed >= needed || inFlight < 0 || inFlight > probes ||
			probes > 1<<40 || needed > 1<<40 {
			return // not a state a half-open breaker can be in
		}
		ok := admitsProbe(inFlight, passed, probes, needed)
		if ok && inFlight >= probes {
			t.Fatalf("admitsProbe(%d, %d, %d, %d): let a probe through with every slot taken", inFlight, passed, probes, needed)
		}
		if ok && needed >= probes && passed+inFlight >= needed {
			t.Fatalf("admitsProbe(%d, %d, %d, %d): let a probe through that no success needs", inFlight, passed, probes, needed)
		}
		if ok && needed <= probes && passed+inFlight >= probes {
			t.Fatalf("admitsProbe(%d, %d, %d, %d): more probes in one period than the slots", inFlight, passed, probes, needed)
		}
		if !ok && inFlight == 0 {
			t.Fatalf("admitsProbe(%d, %d, %d, %d): no probe out and none let through: the breaker cannot close", inFlight, passed, probes, needed)
		}
	})
}

// FuzzBreakerModes drives a breaker in the consecutive-failures mode, with
// a success threshold, a probe wait and the fleet hooks, through a fuzzed
// sequence of steps. After each step it checks the run of failures against
// a model, the probes out against the slots, the listener against what
// callers were told, and the snapshot's bounds.
func FuzzBreakerModes(f *testing.F) {
	f.Add(3, 1, 1, int64(time.Minute), []byte{5, 5, 5, 0x0d, 2 | 0x80, 0, 1, 6, 7})
	f.Add(2, 2, 5, int64(time.Second), []byte{6 | 0x18, 0x85, 0, 0, 0, 0x7a, 0, 0x0d, 1, 1, 0x29})
	f.Add(1, 3, 1, int64(0), []byte{5, 0x7a, 0, 0, 0, 0, 1, 3, 4, 7 | 0x40, 0x0d})
	f.Add(0, 0, 0, int64(-1), []byte{0})
	f.Fuzz(func(t *testing.T, n, probes, successes int, wait int64, ops []byte) {
		clk := newFakeClock()
		var heard, told int
		b := New(
			WithClock(clk), WithConsecutiveFailures(n), WithHalfOpenProbes(probes), WithSuccessThreshold(successes),
			WithMaxProbeWait(time.Duration(wait)), WithRecoveryTimeout(time.Second),
			WithClassThreshold(classifier.RateLimit, 3),
			WithOnStateChange(func(from, to State) { heard++ }),
		)
		if b.Err() != nil {
			if _, err := b.Allow(); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Allow() on an invalid breaker = %v, want ErrInvalidConfig", err)
			}
			return
		}
		var held []Ticket
		run := 0 // the model of the run of consecutive failures
		tell := func(tr Transition) {
			if tr.Changed() {
				told++
				run = 0
			}
		}
		// record records tk's outcome o with class cl, and the model with it.
		record := func(tk Ticket, o Outcome, cl classifier.Class) {
			w := b.word.Load()
			if stateOf(w) == Closed && tk.Generation == generation(w) {
				switch {
				case o == Cancelled:
				case o == Panicked || (o == Failure && cl.Valid() && b.cfg.tripOn[cl]):
					run++
				default:
					run = 0
				}
			}
			tell(b.Record(tk, o, cl))
		}
		for i, op := range ops {
			arg := op >> 3
			o, cl := Outcome(arg%4), classifier.Class(arg>>2)
			switch op % 8 {
			case 0, 5:
				tk, err := b.Allow()
				if err != nil {
					continue
				}
				tell(tk.Transition)
				if op%8 == 0 {
					held = append(held, tk)
				} else {
					record(tk, o, cl)
				}
			case 1:
				if len(held) > 0 {
					record(held[0], o, cl)
					held = held[1:]
				}
			case 2:
				clk.Advance(time.Duration(arg) * time.Duration(arg) * 100 * time.Millisecond)
			case 3:
				tell(b.OpenFor(time.Duration(arg) * 100 * time.Millisecond))
			case 4:
				tell(b.Reset())
				run = 0
			case 6:
				if stateOf(b.word.Load()) == Closed && cl.Valid() && b.cfg.tripOn[cl] {
					run += int(arg % 4)
				}
				tell(b.AddFailures(int(arg%4), cl))
			case 7:
				tell(b.ForceOpen())
			}

			w := b.word.Load()
			out := 0
			for _, tk := range held {
				if tk.Probe && tk.Generation == generation(w) {
					out++
				}
			}
			m := b.Metrics()
			switch {
			case heard != told:
				t.Fatalf("step %d: listener heard %d changes, callers were told of %d", i, heard, told)
			case stateOf(w) == HalfOpen && (out > probes || m.ProbesInFlight != out):
				t.Fatalf("step %d: %d probes out, the breaker counts %d, of %d slots", i, out, m.ProbesInFlight, probes)
			case stateOf(w) == Closed && (m.ConsecutiveFailures != run || run >= n):
				t.Fatalf("step %d: run %d, model %d, threshold %d", i, m.ConsecutiveFailures, run, n)
			case m.State != b.State() || m.StateSince.After(clk.Now()) || m.Failures < 0 || m.FailureRate != 0:
				t.Fatalf("step %d: metrics %+v, state %v, now %v", i, m, b.State(), clk.Now())
			case m.OpenUntil.IsZero() != (m.State != Open || m.Forced) || !m.OpenUntil.Equal(b.OpenUntil()):
				t.Fatalf("step %d: OpenUntil %v in state %v (forced %v), method says %v", i, m.OpenUntil, m.State, m.Forced, b.OpenUntil())
			}
		}
	})
}
