package breaker

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

// tripped returns a breaker on clk that has just opened.
func tripped(t *testing.T, clk *fakeClock, opts ...Option) *Breaker {
	t.Helper()
	b := New(append([]Option{WithClock(clk), WithFailureThreshold(1)}, opts...)...)
	tk, err := b.Allow()
	if err != nil {
		t.Fatalf("Allow: %v", err)
	}
	if tr := b.Record(tk, Failure, classifier.Transient); tr != (Transition{From: Closed, To: Open}) {
		t.Fatalf("Record(Failure) = %v, want closed->open", tr)
	}
	return b
}

func TestHalfOpenAdmitsExactlyNProbes(t *testing.T) {
	const callers = 1000
	tests := []struct {
		probes int
	}{{1}, {3}, {64}, {callers}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d probes", tt.probes), func(t *testing.T) {
			clk := newFakeClock()
			b := tripped(t, clk, WithHalfOpenProbes(tt.probes))
			clk.Advance(30 * time.Second)

			var (
				start             = make(chan struct{})
				wg                sync.WaitGroup
				allowed, changers atomic.Int64
				otherErrs         atomic.Int64
			)
			for range callers {
				wg.Go(func() {
					<-start
					tk, err := b.Allow()
					var oe *OpenError
					switch {
					case err == nil && tk.Probe:
						allowed.Add(1)
						if tk.Transition == (Transition{From: Open, To: HalfOpen}) {
							changers.Add(1)
						}
					case errors.As(err, &oe) && oe.State == HalfOpen && errors.Is(err, ErrOpen):
					default:
						otherErrs.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()

			want := []int64{int64(tt.probes), 1, 0}
			got := []int64{allowed.Load(), changers.Load(), otherErrs.Load()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("probes %d: allowed, callers that moved to half-open, unexpected results (-want +got):\n%s", tt.probes, diff)
			}
		})
	}
}

func TestListenersRunWithoutLocks(t *testing.T) {
	clk := newFakeClock()
	var b *Breaker
	var heard []string
	listen := func(from, to State) {
		// Every lock of the breaker must be free, and every method usable.
		locksFree := b.mu.TryLock()
		if locksFree {
			b.mu.Unlock()
		}
		windowFree := b.win.mu.TryLock()
		if windowFree {
			b.win.mu.Unlock()
		}
		_, _ = b.FailureCount(), b.LastFailure()
		heard = append(heard, Transition{From: from, To: to}.String())
		if !locksFree || !windowFree {
			heard = append(heard, "called under a lock")
		}
		heard = append(heard, "state "+b.State().String())
	}
	b = New(WithClock(clk), WithFailureThreshold(1), WithOnStateChange(listen))

	tk, _ := b.Allow()
	b.Record(tk, Failure, classifier.Transient)
	clk.Advance(30 * time.Second)
	tk, _ = b.Allow()
	b.Record(tk, Success, classifier.Unknown)
	b.ForceOpen()
	b.Reset()

	want := []string{
		"closed->open", "state open",
		"open->half_open", "state half_open",
		"half_open->closed", "state closed",
		"closed->open", "state open",
		"open->closed", "state closed",
	}
	if diff := cmp.Diff(want, heard); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestListenerMayChangeTheBreaker(t *testing.T) {
	var b *Breaker
	var heard []string
	b = New(WithFailureThreshold(1), WithOnStateChange(func(from, to State) {
		heard = append(heard, Transition{From: from, To: to}.String())
		if to == Open {
			b.Reset() // an operator's hook that refuses to stay open
		}
	}))
	tk, _ := b.Allow()
	b.Record(tk, Failure, classifier.Transient)

	if diff := cmp.Diff([]string{"closed->open", "open->closed"}, heard); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := b.State(); got != Closed {
		t.Errorf("State() = %v, want closed", got)
	}
}

// TestConcurrentUse runs every method at once; it is for the race detector,
// and checks that each change returned to a caller reached the listener
// exactly once.
func TestConcurrentUse(t *testing.T) {
	clk := newFakeClock()
	var heard atomic.Int64
	b := New(
		WithClock(clk), WithFailureThreshold(3), WithHalfOpenProbes(2),
		WithRecoveryTimeout(time.Millisecond), WithWindow(10*time.Millisecond),
		WithClassThreshold(classifier.RateLimit, 2),
		WithOnStateChange(func(from, to State) { heard.Add(1) }),
	)
	outcomes := []struct {
		o  Outcome
		cl classifier.Class
	}{
		{Success, classifier.Unknown}, {Failure, classifier.Transient}, {Failure, classifier.RateLimit},
		{Failure, classifier.Permanent}, {Cancelled, classifier.Unknown}, {Panicked, classifier.Unknown},
	}
	const workers, calls = 8, 2000
	var (
		wg       sync.WaitGroup
		returned atomic.Int64
	)
	count := func(tr Transition) {
		if tr.Changed() {
			returned.Add(1)
		}
	}
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				if i%50 == 0 {
					clk.Advance(time.Millisecond / 2)
				}
				_, _, _, _ = b.State(), b.IsOpen(), b.FailureCount(), b.LastFailure()
				if w == 0 && i%400 == 0 {
					count(b.ForceOpen())
					count(b.Reset())
				}
				tk, err := b.Allow()
				if err != nil {
					continue
				}
				count(tk.Transition)
				oc := outcomes[(w+i)%len(outcomes)]
				count(b.Record(tk, oc.o, oc.cl))
			}
		})
	}
	wg.Wait()
	if returned.Load() == 0 {
		t.Fatal("no change of state happened; the test exercises nothing")
	}
	if got, want := heard.Load(), returned.Load(); got != want {
		t.Errorf("listener heard %d changes, callers were returned %d", got, want)
	}
}
