package budget

import (
	"context"
	"fmt"
	"time"
)

// Window is a retry budget that allows at most a fixed number of retries in
// any rolling window of time: New(100, time.Minute) grants at most 100
// retries in any minute, whichever goroutines ask.
//
// Capacity comes back gradually as the window slides. The window is cut
// into buckets (10 unless WithBuckets says otherwise) of width
// g = window/buckets, rounded up to a whole nanosecond, and a retry spent
// in a bucket comes back when that bucket has wholly left the window:
// between window and window+g after it was spent (between buckets·g and
// (buckets+1)·g if the division rounded up), never sooner. Buckets are
// counted from the moment New was called: for a one-minute, ten-bucket
// window made at 12:00:00 (g = 6 s), a retry spent at 12:00:03 comes back
// at 12:01:06. The memory used is those buckets, whatever the traffic.
//
// A Window is safe for concurrent use and meant to be shared by every
// policy whose retries it should cap. Granting takes no lock; a lock is
// taken only once per bucket width, to retire old buckets.
//
// Use New to make a Window. A Window is not a Learner: it counts retries
// only, not requests or outcomes.
type Window struct {
	max  int64
	err  error
	ring ring // base max, each spent retry -1
}

var errWindowZero = fmt.Errorf("budget: Window not made by New: %w", ErrInvalidConfig)

// New returns a budget that allows at most maxRetries retries in any
// rolling window of the given length. maxRetries 0 allows no retries at
// all. It accepts WithClock and WithBuckets.
//
// New does not panic on invalid arguments (maxRetries < 0, window <= 0) or
// options: the returned Window's Err reports the first problem and its
// AllowRetry returns that error.
func New(maxRetries int, window time.Duration, opts ...Option) *Window {
	cfg := newConfig("budget.New", optClock|optBuckets, opts)
	w := &Window{max: int64(maxRetries)}
	switch {
	case maxRetries < 0:
		w.err = fmt.Errorf("budget.New: maxRetries is %d, want >= 0: %w", maxRetries, ErrInvalidConfig)
	case window <= 0:
		w.err = fmt.Errorf("budget.New: window is %v, want > 0: %w", window, ErrInvalidConfig)
	case cfg.err != nil:
		w.err = cfg.err
	}
	if w.err != nil {
		return w
	}
	n := int64(cfg.buckets)
	width := window / time.Duration(n)
	if window%time.Duration(n) != 0 {
		width++ // round up: n·width must cover the whole window
	}
	// A retry stays counted while its bucket is among the n+1 newest: the
	// n whole buckets of the window plus the one now filling.
	w.ring.init(cfg.clock, int(n)+1, width, w.max)
	return w
}

// AllowRetry reports whether one more retry may be made in the current
// window and, if so, spends it. It returns false and a nil error when the
// window's retries are used up, and false and Err() when the Window is
// invalid. ctx is not used.
func (w *Window) AllowRetry(ctx context.Context) (bool, error) {
	if w.ring.slots == nil {
		return false, w.Err()
	}
	return w.allowAt(w.ring.clock.Now()), nil
}

func (w *Window) allowAt(now time.Time) bool {
	return w.ring.take(w.ring.bucket(now), 1, 0)
}

// Remaining returns how many retries the Window would still grant now,
// asked one after another. It is 0 for an invalid Window.
func (w *Window) Remaining() int {
	if w.ring.slots == nil {
		return 0
	}
	return w.remainingAt(w.ring.clock.Now())
}

func (w *Window) remainingAt(now time.Time) int {
	w.ring.bucket(now) // retire buckets that have left the window
	return int(w.ring.total.Load())
}

// Err returns nil for a Window made by New from valid arguments, and
// otherwise an error naming the bad argument or option that wraps
// ErrInvalidConfig.
func (w *Window) Err() error {
	if w.err == nil && w.ring.slots == nil {
		return errWindowZero
	}
	return w.err
}
