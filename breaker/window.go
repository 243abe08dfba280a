package breaker

import (
	"sync"
	"sync/atomic"

	"github.com/redress-go/redress/classifier"
)

// numBuckets is the number of buckets a window is cut into. A counted
// event stops counting between (numBuckets-1)/numBuckets of the window and
// the whole window after it happened.
const numBuckets = 10

// window counts events over a rolling window in a fixed ring of buckets,
// so its memory does not grow with traffic. Time is given as nanoseconds
// since the breaker was made (never negative), and bucket i of the ring
// serves every interval whose number (the time divided by the bucket
// width) is i modulo numBuckets.
//
// Adding to a bucket that already serves the current interval takes only
// atomic additions. Moving a bucket on to a new interval takes mu, once per
// bucket width at most, so that two goroutines never both reset it. Sums
// are read without locks and may be off by the events being recorded at
// that moment, which is as exact as a moving count can be.
type window struct {
	width   int64      // nanoseconds per bucket, at least 1
	mu      sync.Mutex // held to move a bucket to a new interval or clear the ring
	buckets [numBuckets]bucket
}

// bucket holds the counts of one interval.
type bucket struct {
	interval atomic.Int64 // the interval counted; -1 when cleared
	calls    atomic.Int64 // recorded calls, in the failure-rate mode only
	failures atomic.Int64 // failures that count against the breaker's threshold or rate
	counted  atomic.Int64 // every counted failure, for FailureCount
	classes  [classifier.NumClasses]atomic.Int64
}

// event is what one recorded call adds to the window.
type event struct {
	call    bool             // count a call (failure-rate mode)
	failure bool             // count a failure against the threshold or rate
	class   classifier.Class // count a failure of this class ...
	ofClass bool             // ... when set
}

// totals are the sums over the window for one class.
type totals struct {
	calls, failures, counted, class int64
}

func (w *window) init(width int64) {
	w.width = max(width, 1)
	w.clear()
}

// add counts e at time now.
func (w *window) add(now int64, e event) { w.addN(now, e, 1) }

// addN counts e n times over at time now.
func (w *window) addN(now int64, e event, n int64) {
	b := w.bucket(now)
	if b == nil {
		return
	}
	if e.call {
		b.calls.Add(n)
	}
	if e.failure {
		b.failures.Add(n)
	}
	if e.failure || e.ofClass {
		b.counted.Add(n)
	}
	if e.ofClass {
		b.classes[e.class].Add(n)
	}
}

// bucket returns the bucket of the interval at time now, moving it on to
// that interval if it still holds an older one. It returns nil when the
// bucket already holds a newer interval: the event is older than the
// window.
func (w *window) bucket(now int64) *bucket {
	iv := now / w.width
	b := &w.buckets[iv%numBuckets]
	if b.interval.Load() == iv {
		return b
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch cur := b.interval.Load(); {
	case cur > iv:
		return nil
	case cur < iv:
		b.reset()
		b.interval.Store(iv) // after the reset: adders that see iv add to zeroed counts
	}
	return b
}

// sum returns the totals over the window that ends at now, with the
// failures of class cl.
func (w *window) sum(now int64, cl classifier.Class) totals {
	iv := now / w.width
	var t totals
	for i := range w.buckets {
		b := &w.buckets[i]
		if got := b.interval.Load(); got < 0 || got > iv || iv-got >= numBuckets {
			continue
		}
		t.calls += b.calls.Load()
		t.failures += b.failures.Load()
		t.counted += b.counted.Load()
		t.class += b.classes[cl].Load()
	}
	return t
}

// clear forgets every event.
func (w *window) clear() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.buckets {
		w.buckets[i].interval.Store(-1)
		w.buckets[i].reset()
	}
}

func (b *bucket) reset() {
	b.calls.Store(0)
	b.failures.Store(0)
	b.counted.Store(0)
	for i := range b.classes {
		b.classes[i].Store(0)
	}
}
