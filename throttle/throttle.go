// Package throttle is client-side adaptive throttling, as the Google SRE
// book describes it (chapter 21, "Handling Overload"): a client that sees
// its backend refuse much of what it sends stops sending most of it, and
// refuses requests itself, before they leave the process.
//
// A Throttle counts, over a rolling window, the requests made and the
// requests the backend accepted. Allow asks whether to send a request;
// Record reports how one that was sent went:
//
//	th := throttle.New()
//	if !th.Allow() {
//		return throttle.ErrThrottled // not sent
//	}
//	err := send(ctx)
//	th.Record(err == nil || throttle.Accepted(classify(err)))
//
// Share one Throttle among every caller of the same backend. With the
// redress package, redress.WithThrottle puts one in front of each attempt
// (or each call) of a policy. Accepted decides from a failure's class
// whether the backend answered it.
package throttle

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/internal/splitmix"
)

// ErrThrottled is the error for a request the throttle refused (Allow
// returned false): it was not sent. The throttle itself only reports
// false; callers return ErrThrottled so that errors.Is finds it, as the
// redress pipeline does.
var ErrThrottled = errors.New("throttle: throttled by the client")

// errNotMade is the configuration error of a Throttle not made by New.
var errNotMade = fmt.Errorf("%w: a Throttle must be made by New", ErrInvalidConfig)

// numBuckets is the number of buckets of the rolling window.
const numBuckets = 12

// Throttle is client-side adaptive throttling. Make one with New; the zero
// Throttle is not usable and refuses every request. A Throttle is safe for
// concurrent use, and is meant to be shared by every caller of the same
// backend.
//
// Allow refuses a request with probability
//
//	max(0, (requests − K·accepts) / (requests + padding))
//
// over the requests and accepts of the rolling window. While the backend
// accepts everything nothing is refused; when it refuses most requests,
// the client stops sending most of them, and the backend's load falls to
// about K times what it accepts. Requests the throttle refuses count as
// requests, so the probability keeps rising while the backend does not
// recover.
//
// Memory is fixed: 12 buckets of counters, whatever the traffic. Allow and
// Record take no lock: each reads the clock, adds to a counter and, for
// Allow, sums the buckets; a lock is taken only when the window moves on
// to a new bucket (once per bucket, a twelfth of the window).
type Throttle struct {
	k, padding float64
	width      int64     // of one bucket, in nanoseconds; 0 when not valid
	origin     time.Time // the clock's time when the throttle was made
	clock      clock.Clock
	err        error
	rand       splitmix.Source

	// cur is the bucket number (time since origin / width) the ring is
	// at: the buckets hold the counts of buckets cur-11 to cur, the
	// bucket of number e at index e % 12. It moves forward only under mu,
	// which zeroes the buckets it moves past.
	//
	// Counting is lock-free: a caller reads cur and adds to its bucket.
	// A caller that is preempted between the two for a whole window may
	// add its one count to a bucket zeroed meanwhile, that is, count it
	// as a little more recent than it was; nothing is lost or corrupted.
	cur    atomic.Int64
	mu     sync.Mutex
	counts [numBuckets]bucket
}

type bucket struct {
	requests, accepts atomic.Uint64
}

// New returns a throttle with K = 2, a padding of 8 and a 2-minute window
// on the real clock, changed by opts.
//
// New does not panic on invalid options: it returns a throttle whose Err
// reports each problem, wrapping ErrInvalidConfig, and which refuses every
// request (it fails closed).
func New(opts ...Option) *Throttle {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			cfg.invalid("Option(nil)", "an option is nil")
			continue
		}
		o.apply(&cfg)
	}
	t := &Throttle{k: cfg.k, padding: cfg.padding, clock: cfg.clock, err: errors.Join(cfg.errs...)}
	if t.err != nil {
		return t
	}
	t.width = int64(cfg.window / numBuckets)
	t.origin = cfg.clock.Now()
	seed := cfg.seed
	if seed == 0 {
		seed = uint64(t.origin.UnixNano())
	}
	t.rand.Seed(seed)
	return t
}

// Err returns the error of the throttle's configuration, which wraps
// ErrInvalidConfig and names each invalid option, or nil when it is valid.
func (t *Throttle) Err() error {
	if t.width == 0 && t.err == nil {
		return errNotMade
	}
	return t.err
}

// Allow decides whether a request may be sent, refusing it with the
// probability Probability reports. A refused request counts as a request
// the backend did not accept; a request let through must be reported to
// Record once its outcome is known (or not at all, if the caller gave up
// on it before the backend could answer). A throttle with an invalid
// configuration refuses every request.
func (t *Throttle) Allow() bool {
	if t.width == 0 {
		return false
	}
	e := t.advance(t.clock.Now())
	p := t.probability()
	if p == 0 || t.rand.Float64() >= p {
		return true
	}
	t.counts[e%numBuckets].requests.Add(1)
	return false
}

// Record counts a request that Allow let through, and whether the backend
// accepted it: it answered, even with an error of its own (see Accepted).
func (t *Throttle) Record(accepted bool) {
	if t.width == 0 {
		return
	}
	b := &t.counts[t.advance(t.clock.Now())%numBuckets]
	b.requests.Add(1)
	if accepted {
		b.accepts.Add(1)
	}
}

// Probability returns the probability, from 0 to 1, with which Allow
// refuses a request now. It is 1 for a throttle with an invalid
// configuration.
func (t *Throttle) Probability() float64 {
	if t.width == 0 {
		return 1
	}
	t.advance(t.clock.Now())
	return t.probability()
}

// advance moves the ring to the bucket of now, if it is behind, and
// returns the bucket number it is at (later than now's when another
// caller moved it on meanwhile).
func (t *Throttle) advance(now time.Time) int64 {
	e := max(int64(now.Sub(t.origin)), 0) / t.width
	cur := t.cur.Load()
	if e <= cur {
		return cur
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cur = t.cur.Load()
	if e > cur {
		// Zero the buckets moved past: at most the whole ring.
		for n := cur + 1; n <= e && n <= cur+numBuckets; n++ {
			b := &t.counts[n%numBuckets]
			b.requests.Store(0)
			b.accepts.Store(0)
		}
		t.cur.Store(e)
		cur = e
	}
	return cur
}

// probability is the formula over the counts of the ring. Accepts are
// read before requests in each bucket, and Record adds requests first, so
// a bucket never shows more accepts than requests.
func (t *Throttle) probability() float64 {
	var requests, accepts uint64
	for i := range t.counts {
		b := &t.counts[i]
		accepts += b.accepts.Load()
		requests += b.requests.Load()
	}
	return probability(float64(requests), float64(accepts), t.k, t.padding)
}

// probability is max(0, (requests − k·accepts) / (requests + padding)),
// kept within [0, 1].
func probability(requests, accepts, k, padding float64) float64 {
	num := requests - k*accepts
	if num <= 0 {
		return 0 // also when nothing was counted, whatever the padding
	}
	return min(num/(requests+padding), 1)
}

// Accepted reports whether a failure of class c means that the backend
// answered the request, for Record: a request is accepted when it
// succeeded, or failed with any class but RATE_LIMIT, SERVER_ERROR and
// TRANSIENT (those mean the backend shed the request, failed, could not be
// reached or took too long). A PERMANENT failure such as a 404 is an
// accept: the backend did its job.
func Accepted(c classifier.Class) bool {
	switch c {
	case classifier.RateLimit, classifier.ServerError, classifier.Transient:
		return false
	}
	return true
}
