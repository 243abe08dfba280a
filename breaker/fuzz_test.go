package breaker

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

// FuzzBreaker drives a breaker with fuzzed options through a fuzzed
// sequence of calls, waits and manual changes, checking after each step
// that it never panics, never lets more probes out than configured, never
// rejects while closed, and that its listener hears exactly the changes
// its callers are told of.
func FuzzBreaker(f *testing.F) {
	f.Add(5, int64(time.Minute), 1, 0.0, 0, []byte{5, 5, 5, 5, 5, 0, 0x8a, 0, 0, 1, 9})
	f.Add(1, int64(time.Second), 3, 0.5, 4, []byte{13, 0, 0xfa, 0, 0, 0, 0, 1, 1, 1, 3, 4})
	f.Add(0, int64(0), 0, math.NaN(), -1, []byte{0})
	f.Add(2, int64(10*time.Second), 2, 1.0, 1, []byte{0, 5, 0x7a, 0, 0, 0, 0x21, 0x41, 3, 2, 4, 0})
	f.Fuzz(func(t *testing.T, threshold int, window int64, probes int, ratio float64, minCalls int, ops []byte) {
		clk := newFakeClock()
		var heard, told int
		opts := []Option{
			WithClock(clk), WithFailureThreshold(threshold), WithWindow(time.Duration(window)),
			WithHalfOpenProbes(probes), WithRecoveryTimeout(time.Second),
			WithClassThreshold(classifier.RateLimit, 2),
			WithOnStateChange(func(from, to State) { heard++ }),
		}
		if ratio != 0 || minCalls != 0 {
			opts = append(opts, WithFailureRate(ratio, minCalls))
		}
		b := New(opts...)
		if b.Err() != nil {
			if _, err := b.Allow(); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Allow() on an invalid breaker = %v, want ErrInvalidConfig", err)
			}
			return
		}
		tell := func(tr Transition) {
			if tr.Changed() {
				told++
			}
		}
		var held []Ticket
		for i, op := range ops {
			arg := op >> 3
			o, cl := Outcome(arg%4), classifier.Class(arg>>2)
			switch op % 6 {
			case 0, 5:
				before := b.State()
				tk, err := b.Allow()
				if err != nil {
					if before == Closed || !errors.Is(err, ErrOpen) {
						t.Fatalf("step %d: Allow() = %v in state %v", i, err, before)
					}
					continue
				}
				tell(tk.Transition)
				if op%6 == 0 {
					held = append(held, tk)
				} else {
					tell(b.Record(tk, o, cl))
				}
			case 1:
				if len(held) > 0 {
					tell(b.Record(held[0], o, cl))
					held = held[1:]
				}
			case 2:
				clk.Advance(time.Duration(arg) * 100 * time.Millisecond)
			case 3:
				tell(b.ForceOpen())
			case 4:
				tell(b.Reset())
			}

			w := b.word.Load()
			out := 0
			for _, tk := range held {
				if tk.Probe && tk.Generation == generation(w) {
					out++
				}
			}
			if s := stateOf(w); s > Open || (s == HalfOpen && out > probes) || b.FailureCount() < 0 {
				t.Fatalf("step %d: state %v with %d probes out of %d, FailureCount %d", i, s, out, probes, b.FailureCount())
			}
			if heard != told {
				t.Fatalf("step %d: listener heard %d changes, callers were told of %d", i, heard, told)
			}
		}
	})
}
