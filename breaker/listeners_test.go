package breaker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

// TestListenersOfFleetHooks checks that the changes OpenFor and AddFailures
// make reach every listener, in the order the listeners were given, with
// the breaker's locks free and the new state readable.
func TestListenersOfFleetHooks(t *testing.T) {
	clk := newFakeClock()
	var b *Breaker
	var heard []string
	listener := func(name string) func(from, to State) {
		return func(from, to State) {
			locksFree := b.mu.TryLock()
			if locksFree {
				b.mu.Unlock()
			}
			windowFree := b.win.mu.TryLock()
			if windowFree {
				b.win.mu.Unlock()
			}
			s := name + " " + Transition{From: from, To: to}.String() + ": " + b.Metrics().State.String()
			if !locksFree || !windowFree {
				s += " (called under a lock)"
			}
			heard = append(heard, s)
		}
	}
	first := listener("first")
	b = New(WithClock(clk), WithConsecutiveFailures(2), WithRecoveryTimeout(time.Second),
		WithOnStateChange(first), WithOnStateChange(listener("second")), WithOnStateChange(first))

	b.AddFailures(2, classifier.Transient)
	clk.Advance(time.Second)
	tk, _ := b.Allow()
	b.OpenFor(time.Minute)
	b.Record(tk, Success, classifier.Unknown) // stale: heard by nobody
	b.Reset()

	want := []string{
		"first closed->open: open", "second closed->open: open", "first closed->open: open",
		"first open->half_open: half_open", "second open->half_open: half_open", "first open->half_open: half_open",
		"first half_open->open: open", "second half_open->open: open", "first half_open->open: open",
		"first open->closed: closed", "second open->closed: closed", "first open->closed: closed",
	}
	if diff := cmp.Diff(want, heard); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
