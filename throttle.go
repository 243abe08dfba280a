package redress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/internal/splitmix"
)

// ErrThrottled is the cause of a call that a Throttle rejected before it
// left the process. The call fails with StopThrottled, and
// errors.Is(err, ErrThrottled) holds.
var ErrThrottled = errors.New("redress: throttled by the client")

// ThrottleConfig configures NewThrottle. The zero value gives the
// defaults.
type ThrottleConfig struct {
	// K is how many requests per accept the backend may see before the
	// client starts rejecting: 2 lets through twice what the backend
	// accepts. Lower is more aggressive. Default 2; must be at least 1.
	K float64
	// Window is the span of the rolling window of counts, kept in 12
	// fixed buckets on Clock. Default 2 minutes.
	Window time.Duration
	// Clock is the clock of the window. Default the real clock.
	Clock Clock
	// Seed seeds the randomness of the rejections, for reproducible
	// tests. Default 0: seeded from the time the throttle is made.
	Seed uint64
}

// throttleBuckets is the number of buckets of the rolling window.
const throttleBuckets = 12

// Throttle is client-side adaptive throttling, as the Google SRE book
// describes it ("Handling Overload"): the client counts, over a rolling
// window, the requests it made and those the backend accepted, and
// rejects a new request locally with probability
//
//	max(0, (requests − K·accepts) / (requests + 1))
//
// So while the backend accepts everything, nothing is rejected; when it
// rejects most requests, the client stops sending most of them, and the
// backend's load falls to about K times what it accepts. Requests the
// throttle rejects count as requests, so the probability keeps rising
// while the backend does not recover.
//
// A request is accepted when the backend answered it: a success, or a
// failure of any class but RATE_LIMIT, SERVER_ERROR and TRANSIENT (those
// mean the backend shed the request, failed, could not be reached or took
// too long). A request the caller cancelled is not counted.
//
// Make one with NewThrottle and share it among every policy that calls
// the same backend (WithThrottle). A Throttle is safe for concurrent use;
// its memory is fixed.
type Throttle struct {
	k      float64
	width  time.Duration // of one bucket
	clock  Clock
	rand   splitmix.Source
	err    error
	mu     sync.Mutex
	counts [throttleBuckets]throttleBucket
}

type throttleBucket struct {
	epoch             int64 // bucket number since the zero time; stale when old
	requests, accepts float64
}

// NewThrottle returns a throttle configured by cfg. It does not panic on
// an invalid configuration: WithThrottle reports it.
func NewThrottle(cfg ThrottleConfig) *Throttle {
	t := &Throttle{k: cfg.K, clock: cfg.Clock}
	if t.k == 0 {
		t.k = 2
	}
	window := cfg.Window
	if window == 0 {
		window = 2 * time.Minute
	}
	if t.clock == nil {
		t.clock = clock.Real
	}
	switch {
	case t.k < 1 || math.IsNaN(t.k) || math.IsInf(t.k, 0):
		t.err = errors.New("throttle: K must be at least 1")
	case window < throttleBuckets:
		t.err = fmt.Errorf("throttle: window must be at least %v", time.Duration(throttleBuckets))
	}
	t.width = window / throttleBuckets
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(t.clock.Now().UnixNano())
	}
	t.rand.Seed(seed)
	return t
}

// Err returns the error of the throttle's configuration, or nil.
func (t *Throttle) Err() error { return t.err }

// Probability returns the probability with which Allow rejects a request
// now.
func (t *Throttle) Probability() float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.probability(t.epoch(t.clock.Now()))
}

// Allow decides whether a request may be sent. A rejected request is
// counted as a request with no accept.
func (t *Throttle) Allow() bool {
	now := t.epoch(t.clock.Now())
	t.mu.Lock()
	p := t.probability(now)
	reject := p > 0 && t.rand.Float64() < p
	if reject {
		t.bucket(now).requests++
	}
	t.mu.Unlock()
	return !reject
}

// Record counts a request that Allow let through, and whether the backend
// accepted it.
func (t *Throttle) Record(accepted bool) {
	now := t.epoch(t.clock.Now())
	t.mu.Lock()
	b := t.bucket(now)
	b.requests++
	if accepted {
		b.accepts++
	}
	t.mu.Unlock()
}

func (t *Throttle) epoch(now time.Time) int64 { return now.UnixNano() / int64(t.width) }

// bucket returns the bucket of epoch now, emptied if it held an older one.
func (t *Throttle) bucket(now int64) *throttleBucket {
	b := &t.counts[(now%throttleBuckets+throttleBuckets)%throttleBuckets]
	if b.epoch != now {
		*b = throttleBucket{epoch: now}
	}
	return b
}

// probability is the SRE book's formula over the buckets still in the
// window at epoch now.
func (t *Throttle) probability(now int64) float64 {
	var requests, accepts float64
	for i := range t.counts {
		b := &t.counts[i]
		if now-b.epoch < throttleBuckets {
			requests += b.requests
			accepts += b.accepts
		}
	}
	return max(0, (requests-t.k*accepts)/(requests+1))
}

// accepted reports whether a failure of class c means the backend
// answered.
func accepted(c classifier.Class) bool {
	switch c {
	case classifier.RateLimit, classifier.ServerError, classifier.Transient:
		return false
	}
	return true
}

// WithThrottle puts t in front of the backend: a request it rejects ends
// the call at once with StopThrottled and an error matching ErrThrottled,
// without being sent or retried, and counts as neither a success nor a
// failure for the breaker. By default it sees every attempt as a request
// (see StageThrottle). A throttle made with an invalid configuration is
// reported as one. Default none; repeating replaces.
func WithThrottle(t *Throttle) Option {
	return optionFunc(func(c *config) {
		if t == nil {
			c.invalid(invalidf("WithThrottle", "throttle is nil"))
			return
		}
		if t.err != nil {
			c.invalid(invalidf("WithThrottle", "%v", t.err))
			return
		}
		c.throttle = t
	})
}

// throttleCall is the throttle stage outside the retry loop: one request
// per call, accepted when the call's last attempt was.
func (r *runner[T]) throttleCall(ctx context.Context, next int) error {
	t := r.cfg.throttle
	if !t.Allow() {
		return r.reject(ctx, StopThrottled, ErrThrottled)
	}
	err := r.callStage(ctx, next)
	if err == nil {
		t.Record(true)
	} else if r.reachedDependency() {
		t.Record(accepted(r.last.Class))
	}
	return err
}

// throttleAttempt is the throttle stage inside the retry loop: one request
// per attempt.
func (r *runner[T]) throttleAttempt(ctx context.Context, next int) error {
	t := r.cfg.throttle
	if !t.Allow() {
		r.halt = StopThrottled
		return ErrThrottled
	}
	err := r.attemptStage(ctx, next)
	switch {
	case err == nil:
		t.Record(true)
	case r.halt != "" || ctx.Err() != nil:
		// Not sent by an inner stage, or cancelled by the caller.
	default:
		t.Record(accepted(r.classify(err).Class))
	}
	return err
}
