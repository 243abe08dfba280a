package breaker

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

const contenders = 1000

// together runs f on contenders goroutines released at once, and waits.
func together(f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range contenders {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// TestConsecutiveFailuresUnderContention counts failures recorded at once:
// none is lost, and the breaker opens exactly once, when the run reaches
// its threshold.
func TestConsecutiveFailuresUnderContention(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		successes int // of the contenders, the first ones succeed
		want      []any
	}{
		{"the last failure opens", contenders, 0, []any{Open, 1, 1, 0, contenders}},
		{"one short of opening", contenders + 1, 0, []any{Closed, 0, 0, contenders, contenders}},
		{"successes end runs", contenders/2 + 1, contenders / 2, []any{Closed, 0, 0, -1, contenders / 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var heard, opened atomic.Int64
			b := New(WithClock(newFakeClock()), WithConsecutiveFailures(tt.n),
				WithOnStateChange(func(from, to State) { heard.Add(1) }))
			together(func(i int) {
				tk, err := b.Allow()
				if err != nil {
					t.Errorf("Allow: %v", err)
					return
				}
				o := Failure
				if i < tt.successes {
					o = Success
				}
				if b.Record(tk, o, classifier.Transient) == (Transition{From: Closed, To: Open}) {
					opened.Add(1)
				}
			})
			m := b.Metrics()
			run := m.ConsecutiveFailures
			if tt.want[3] == -1 {
				// Where the successes fell decides the run; it is at most
				// the failures, and below the threshold.
				if run > contenders-tt.successes {
					t.Errorf("run %d is longer than the %d failures", run, contenders-tt.successes)
				}
				run = -1
			}
			got := []any{m.State, int(opened.Load()), int(heard.Load()), run, m.Failures}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("state, callers told of opening, changes heard, run, failures (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSuccessThresholdUnderContention lets contenders race for the probe
// slots until the breaker closes: never more probes out than allowed, and
// exactly as many probes as successes needed when that is at least the
// number of probes.
func TestSuccessThresholdUnderContention(t *testing.T) {
	tests := []struct {
		probes, successes int
	}{{1, 1}, {1, 7}, {4, 50}, {64, 64}, {64, 1000}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d probes, %d successes", tt.probes, tt.successes), func(t *testing.T) {
			clk := newFakeClock()
			var heard atomic.Int64
			b := tripped(t, clk, WithHalfOpenProbes(tt.probes), WithSuccessThreshold(tt.successes),
				WithOnStateChange(func(from, to State) { heard.Add(1) }))
			clk.Advance(30 * time.Second)

			var admitted, out, maxOut, closers atomic.Int64
			together(func(int) {
				for {
					tk, err := b.Allow()
					if err != nil {
						continue // every slot taken: try again
					}
					if !tk.Probe {
						return // closed
					}
					admitted.Add(1)
					n := out.Add(1)
					for m := maxOut.Load(); n > m && !maxOut.CompareAndSwap(m, n); m = maxOut.Load() {
					}
					runtime.Gosched() // let others find every slot taken
					out.Add(-1)       // before Record: the slot is held until then
					if b.Record(tk, Success, classifier.Unknown) == (Transition{From: HalfOpen, To: Closed}) {
						closers.Add(1)
					}
				}
			})
			want := []any{int64(tt.successes), true, int64(1), int64(1 + 2), Closed}
			got := []any{admitted.Load(), maxOut.Load() <= int64(tt.probes), closers.Load(), heard.Load(), b.State()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("probes admitted, at most %d out at once, callers that closed, changes heard, state (-want +got):\n%s",
					tt.probes, diff)
			}
		})
	}
}

// TestProbeReclaimUnderContention loses every probe ticket, then lets
// contenders race once the probe wait has passed: the slots are reclaimed
// once, exactly as many new probes are let through as there are slots,
// and the lost tickets, recorded late and at once, are ignored.
func TestProbeReclaimUnderContention(t *testing.T) {
	for _, probes := range []int{1, 3, 64, contenders} {
		t.Run(fmt.Sprintf("%d probes", probes), func(t *testing.T) {
			clk := newFakeClock()
			b := tripped(t, clk, WithHalfOpenProbes(probes), WithMaxProbeWait(time.Minute))
			clk.Advance(30 * time.Second)

			// admit has every contender ask once, and returns the probes.
			admit := func() []Ticket {
				var mu sync.Mutex
				var got []Ticket
				together(func(int) {
					if tk, err := b.Allow(); err == nil {
						mu.Lock()
						got = append(got, tk)
						mu.Unlock()
					}
				})
				return got
			}
			lost := admit()
			clk.Advance(time.Minute - time.Nanosecond)
			early := admit()
			clk.Advance(time.Nanosecond)
			fresh := admit()

			var changes atomic.Int64
			together(func(i int) {
				if i < len(lost) {
					// Even a failure: it is stale.
					if b.Record(lost[i], Failure, classifier.Transient).Changed() {
						changes.Add(1)
					}
				}
			})
			stateAfterLate := b.State()
			together(func(i int) {
				if i < len(fresh) && b.Record(fresh[i], Success, classifier.Unknown).Changed() {
					changes.Add(1)
				}
			})

			gens := map[uint64]int{}
			for _, tk := range fresh {
				gens[tk.Generation]++
			}
			want := []any{probes, 0, probes, map[uint64]int{lost[0].Generation + 1: probes}, HalfOpen, int64(1), Closed}
			got := []any{len(lost), len(early), len(fresh), gens, stateAfterLate, changes.Load(), b.State()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lost, let through before the wait, after it, their generations, state after the late outcomes, changes, final state (-want +got):\n%s", diff)
			}
		})
	}
}
