package breaker

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

// More steps for the harness of TestStateMachine, for the newer rules.

// finishNewest ends the newest call in flight with outcome o and class cl.
func finishNewest(o Outcome, cl classifier.Class) step {
	return func(h *harness) string {
		t := h.held[len(h.held)-1]
		h.held = h.held[:len(h.held)-1]
		return "finished newest" + h.note(h.b.Record(t, o, cl))
	}
}

func openFor(d time.Duration) step {
	return func(h *harness) string {
		tr := h.b.OpenFor(d)
		return fmt.Sprintf("open for %v%s: %v", d, h.note(tr), h.b.State())
	}
}

func addFailures(n int, cl classifier.Class) step {
	return func(h *harness) string {
		tr := h.b.AddFailures(n, cl)
		return fmt.Sprintf("added %d %v%s: %v", n, cl, h.note(tr), h.b.State())
	}
}

// run reports the breaker's run of consecutive failures.
func run() step {
	return func(h *harness) string {
		return fmt.Sprintf("run %d", h.b.Metrics().ConsecutiveFailures)
	}
}

// runSteps runs each table case of steps on a fresh breaker on a fake
// clock, and checks the log, the final state and failure count, and that
// the listener heard exactly the changes the callers were told of.
func runSteps(t *testing.T, tests []stepCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &harness{clk: newFakeClock()}
			opts := append([]Option{WithClock(h.clk), WithOnStateChange(func(from, to State) {
				h.heard = append(h.heard, Transition{From: from, To: to})
			})}, tt.opts...)
			h.b = New(opts...)
			if err := h.b.Err(); err != nil {
				t.Fatalf("New: %v", err)
			}
			var got result
			for _, s := range tt.give {
				got.Log = append(got.Log, s(h))
			}
			got.State, got.FailureCount = h.b.State(), h.b.FailureCount()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(h.returned, h.heard); diff != "" {
				t.Errorf("listener heard other changes than were made (-made +heard):\n%s", diff)
			}
		})
	}
}

type stepCase struct {
	name string
	opts []Option
	give []step
	want result
}
