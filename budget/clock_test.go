package budget

import (
	"sync"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// fakeClock is a clock that moves only when told. It stands in for
// redresstest.Clock, which this package cannot import.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

var _ clock.Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// set moves the clock to start+d, where start is its initial time.
func (c *fakeClock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = time.Unix(1_000_000, 0).Add(d)
}

func (c *fakeClock) NewTimer(time.Duration) clock.Timer { panic("unused") }

func (c *fakeClock) AfterFunc(time.Duration, func()) clock.Timer { panic("unused") }
