package breaker

import (
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

// A listener that panics panics the call that caused the change. When the
// change is Allow's open→half-open, the probe slot Allow took for the
// ticket it never returns is given back, so the breaker does not stay
// half-open with every slot taken.
func TestPanickingListenerInAllowFreesProbeSlot(t *testing.T) {
	clk := newFakeClock()
	panicked := false
	b := New(WithClock(clk), WithFailureThreshold(1), WithRecoveryTimeout(time.Second),
		WithOnStateChange(func(from, to State) {
			if to == HalfOpen && !panicked {
				panicked = true
				panic("listener")
			}
		}))
	tk, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	b.Record(tk, Failure, classifier.Transient)
	if b.State() != Open {
		t.Fatalf("state = %v, want open", b.State())
	}
	clk.Advance(time.Second)
	func() {
		defer func() { _ = recover() }()
		_, _ = b.Allow() // the listener panics
	}()
	clk.Advance(time.Hour)
	if _, err := b.Allow(); err != nil {
		t.Errorf("an hour after a listener panicked, Allow = %v; want a probe (the slot of the panicked call leaked, state %v)", err, b.State())
	}
}
