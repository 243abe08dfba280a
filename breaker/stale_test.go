package breaker

import (
	"sync"
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
)

// hookClock is a fakeClock that runs a hook, once, on the next Now
// after arm. It stands in for the scheduler: it lets a test run other
// breaker calls exactly where a goroutine reads the clock, which on a real
// machine is where that goroutine can be preempted.
type hookClock struct {
	*fakeClock
	mu   sync.Mutex
	hook func()
}

var _ clock.Clock = (*hookClock)(nil)

func (c *hookClock) arm(f func()) {
	c.mu.Lock()
	c.hook = f
	c.mu.Unlock()
}

func (c *hookClock) Now() time.Time {
	c.mu.Lock()
	f := c.hook
	c.hook = nil
	c.mu.Unlock()
	if f != nil {
		f()
	}
	return c.fakeClock.Now()
}

// An outcome whose ticket was current when Record began, but whose
// generation ended while Record read the clock (here by ForceOpen then
// Reset), is stale: it must not count in the new generation's window.
func TestStaleOutcomeNotCountedInNewGeneration(t *testing.T) {
	clk := &hookClock{fakeClock: newFakeClock()}
	b := New(WithClock(clk), WithFailureThreshold(2))

	stale, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	// While Record(stale) reads the clock, an operator forces the breaker
	// open and resets it: a new generation with an empty window.
	clk.arm(func() {
		b.ForceOpen()
		b.Reset()
	})
	b.Record(stale, Failure, classifier.Transient)

	if got := b.FailureCount(); got != 0 {
		t.Errorf("FailureCount after Reset and a stale outcome = %d, want 0 (stale outcome counted)", got)
	}
	if got := b.LastFailure(); !got.IsZero() {
		t.Errorf("LastFailure = %v, want zero: the only failure was a stale outcome", got)
	}

	// One fresh failure must not trip a threshold of 2.
	fresh, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	if tr := b.Record(fresh, Failure, classifier.Transient); tr.Changed() {
		t.Errorf("one fresh failure (threshold 2) caused %v: the stale one counted", tr)
	}
	if s := b.State(); s != Closed {
		t.Errorf("State = %v, want closed", s)
	}
}

// The same race in the natural cycle: closed -> open (another failure) ->
// half-open -> closed (probe succeeds), all while the stale Record reads
// the clock.
func TestStaleOutcomeNotCountedAfterRecoveryCycle(t *testing.T) {
	clk := &hookClock{fakeClock: newFakeClock()}
	b := New(WithClock(clk), WithFailureThreshold(1), WithRecoveryTimeout(time.Second))

	stale, _ := b.Allow()
	clk.arm(func() {
		tk, _ := b.Allow()
		b.Record(tk, Failure, classifier.Transient) // trips: closed -> open
		clk.Advance(time.Second)
		probe, err := b.Allow() // open -> half-open
		if err != nil {
			t.Errorf("probe rejected: %v", err)
			return
		}
		b.Record(probe, Success, classifier.Unknown) // half-open -> closed
	})
	b.Record(stale, Failure, classifier.Transient)
	if got := b.FailureCount(); got != 0 {
		t.Errorf("FailureCount of the freshly closed breaker = %d, want 0 (stale outcome counted)", got)
	}
}

// A failure counts for at least 9/10 of the window and at most the window
// plus its rounding, also for windows that are not a multiple of 10 ns.
func TestWindowRounding(t *testing.T) {
	tests := []struct {
		window, at time.Duration
		want       int
	}{
		{19 * time.Nanosecond, 17 * time.Nanosecond, 1}, // 17 < 9·19/10 = 17.1: still counts
		{19 * time.Nanosecond, 20 * time.Nanosecond, 0}, // buckets of 2 ns: gone by 20 ns
		{10 * time.Nanosecond, 9 * time.Nanosecond, 1},
		{10 * time.Nanosecond, 10 * time.Nanosecond, 0},
	}
	for _, tt := range tests {
		clk := newFakeClock()
		b := New(WithClock(clk), WithWindow(tt.window), WithFailureThreshold(100))
		tk, _ := b.Allow()
		b.Record(tk, Failure, classifier.Transient)
		clk.Advance(tt.at)
		if got := b.FailureCount(); got != tt.want {
			t.Errorf("window %v: FailureCount %v after the failure = %d, want %d", tt.window, tt.at, got, tt.want)
		}
	}
}
