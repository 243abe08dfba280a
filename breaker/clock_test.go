package breaker

import (
	"sync"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// fakeClock is a clock that moves only when told to. It counts how often
// it was read, to prove which paths read no clock. A breaker makes no
// timers, so NewTimer and AfterFunc are not needed.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	reads int
}

var _ clock.Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_000_000, 0).UTC()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func (c *fakeClock) NewTimer(time.Duration) clock.Timer { panic("unused") }

func (c *fakeClock) AfterFunc(time.Duration, func()) clock.Timer { panic("unused") }
