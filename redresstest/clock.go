package redresstest

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// Clock is a fake clock. Pass it to redress.WithClock, breaker.WithClock or
// budget.WithClock and no code under test reads the real time.
//
// A clock from NewClock stands still until Advance moves it; a sleep blocks
// until then. A clock from NewAutoClock moves itself: every sleep advances
// virtual time by its duration and returns at once, so a test with retries
// runs in microseconds while the virtual time it reports is what the
// policy would have waited.
//
// Timers made with NewTimer are sleeps: Sleeps lists their durations and
// WaitForSleepers counts the ones pending. Timers made with AfterFunc
// (redress uses them for attempt timeouts) are not sleeps; their functions
// run synchronously inside the Advance (or the auto-advancing sleep) that
// passes their time, so when Advance returns, a timed-out attempt's
// context is already cancelled. (One that is due when it is made, d <= 0,
// runs at once in its own goroutine, as on the real clock.)
//
// A Clock is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	arrived chan struct{} // closed when a sleeper arrives; nil while no one waits
	now     time.Time
	auto    bool
	timers  timerHeap
	seq     uint64
	sleeps  []time.Duration
	waiting int // pending NewTimer timers
}

var _ clock.Clock = (*Clock)(nil)

// NewClock returns a fake clock set to start that moves only when Advance
// is called.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// NewAutoClock returns a fake clock set to start on which every sleep
// advances virtual time by its duration and returns at once. It has one
// timeline for every goroutine: two goroutines that each sleep a second
// move it by two seconds, so concurrent calls on one auto clock see each
// other's sleeps as time passing.
func NewAutoClock(start time.Time) *Clock {
	c := NewClock(start)
	c.auto = true
	return c
}

// Now returns the clock's virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleeps returns the duration of every sleep (every NewTimer) requested so
// far, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Sleepers returns the number of sleeps now pending: timers made with
// NewTimer that have neither fired nor been stopped.
func (c *Clock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waiting
}

// WaitForSleepers blocks until at least n sleeps are pending, so that a
// test advances the clock only once the code under test is asleep. It
// waits forever if no one goes to sleep; WaitForSleepersContext gives up
// when its context ends. Use it from the test goroutine while the code
// under test runs in another.
func (c *Clock) WaitForSleepers(n int) {
	_ = c.WaitForSleepersContext(context.Background(), n)
}

// WaitForSleepersContext is WaitForSleepers that gives up when ctx ends:
// it returns nil once at least n sleeps are pending, or context.Cause(ctx)
// if ctx ends first. Give it a context with a real-time timeout (or the
// test's own context, t.Context()) so that a test whose code never goes to
// sleep fails with an error instead of hanging until the test binary's
// timeout. It sleeps on nothing itself.
func (c *Clock) WaitForSleepersContext(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		if c.waiting >= n {
			c.mu.Unlock()
			return nil
		}
		if c.arrived == nil {
			c.arrived = make(chan struct{})
		}
		arrived := c.arrived
		c.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// UntilNext returns how long until the next pending timer fires (a sleep
// or an AfterFunc) and true, or 0 and false when no timer is pending. A
// test can check what the code under test is waiting for before it moves
// the clock.
func (c *Clock) UntilNext() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return 0, false
	}
	return max(c.timers[0].when.Sub(c.now), 0), true
}

// AdvanceToNext moves the clock to the time of the next pending timer and
// fires every timer due then, as Advance does. It returns how far the
// clock moved: 0 when no timer is pending or the next one is already due.
func (c *Clock) AdvanceToNext() time.Duration {
	c.mu.Lock()
	if len(c.timers) == 0 {
		c.mu.Unlock()
		return 0
	}
	d := max(c.timers[0].when.Sub(c.now), 0)
	c.advanceLocked(c.timers[0].when) // releases c.mu
	return d
}

// WakeSleepers moves the clock to the time at which the last sleep now
// pending ends, firing in order every timer due by then, so that every
// goroutine now asleep on the clock wakes. It returns how far the clock
// moved, 0 when no sleep is pending. Sleeps that begin after it is called
// are woken only if they end by that time; to drive code that sleeps again
// and again, loop on WaitForSleepersContext and WakeSleepers.
func (c *Clock) WakeSleepers() time.Duration {
	c.mu.Lock()
	start := c.now
	until := start
	for _, t := range c.timers {
		if t.fn == nil && t.when.After(until) {
			until = t.when
		}
	}
	if c.waiting == 0 {
		c.mu.Unlock()
		return 0
	}
	c.advanceLocked(until) // releases c.mu
	return until.Sub(start)
}

// Advance moves the clock forward by d, firing in order every timer whose
// time comes, with the clock set to each timer's time as it fires. A
// negative d is treated as 0.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.advanceLocked(c.now.Add(max(d, 0)))
}

// advanceLocked moves the clock to until, firing due timers; it is called
// with c.mu held and releases it.
func (c *Clock) advanceLocked(until time.Time) {
	for len(c.timers) > 0 && !c.timers[0].when.After(until) {
		t := heap.Pop(&c.timers).(*fakeTimer)
		t.index = -1
		if t.when.After(c.now) {
			c.now = t.when
		}
		if t.fn != nil {
			// Run AfterFunc work without the lock: it may call back into
			// the clock.
			c.mu.Unlock()
			t.fn()
			c.mu.Lock()
			continue
		}
		c.waiting--
		t.ch <- c.now // buffered; fires once
	}
	if until.After(c.now) {
		c.now = until
	}
	c.mu.Unlock()
}

// NewTimer returns a timer that fires once d has passed on the clock. On an
// auto clock the clock advances by d at once and the timer has fired when
// NewTimer returns.
func (c *Clock) NewTimer(d time.Duration) clock.Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1), index: -1}
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.addLocked(t, d)
	c.waiting++
	if c.arrived != nil {
		close(c.arrived) // wake WaitForSleepers
		c.arrived = nil
	}
	if c.auto {
		c.advanceLocked(t.when)
		return t
	}
	if d <= 0 {
		c.advanceLocked(c.now)
		return t
	}
	c.mu.Unlock()
	return t
}

// AfterFunc calls f once d has passed on the clock, inside the Advance that
// passes it, unless the returned timer is stopped first. With d <= 0 it
// runs f at once in its own goroutine.
func (c *Clock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &fakeTimer{c: c, fn: f, index: -1}
	if d <= 0 {
		// Due already: run f in its own goroutine at once, as the real
		// clock does, rather than on the caller's.
		go f()
		return t
	}
	c.mu.Lock()
	c.addLocked(t, d)
	c.mu.Unlock()
	return t
}

func (c *Clock) addLocked(t *fakeTimer, d time.Duration) {
	t.when = c.now.Add(max(d, 0))
	c.seq++
	t.seq = c.seq
	heap.Push(&c.timers, t)
}

type fakeTimer struct {
	c     *Clock
	when  time.Time
	seq   uint64 // orders timers due at the same time by creation
	ch    chan time.Time
	fn    func()
	index int // position in the heap, -1 once fired or stopped
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.c.timers, t.index)
	t.index = -1
	if t.fn == nil {
		t.c.waiting--
	}
	return true
}

// timerHeap orders pending timers by time, then by creation.
type timerHeap []*fakeTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*fakeTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
