package budget

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Ratio is a retry budget that allows retries up to a fraction of recent
// requests, plus a minimum per second: the model of Finagle's RetryBudget.
//
// Each request deposits ratio of a retry; each retry withdraws one whole
// retry; deposits and withdrawals are forgotten after a TTL. On top of the
// deposits sits a reserve of minPerSecond × TTL retries, so that a client
// that has just started, or sends few requests, can still retry. A retry is
// granted only while the reserve plus the remembered deposits, less the
// remembered withdrawals, holds at least one whole retry. So at any moment
// the retries of the last TTL (less one bucket, see below) number at most
// ratio × the requests of the last TTL, plus minPerSecond × TTL.
//
// The defaults are Finagle's: a TTL of 10 seconds (WithTTL) and a minimum
// of 10 retries per second (WithMinPerSecond); Finagle's default ratio is
// 0.2, that is retries on 20% of requests. The TTL is cut into buckets (10
// unless WithBuckets says otherwise) of width TTL/buckets, and an amount
// is forgotten when its bucket leaves the TTL: between TTL-TTL/buckets and
// TTL after it was recorded, never later. Amounts are kept in millionths
// of a retry, so ratio is exact to six decimal places.
//
// A Ratio is safe for concurrent use and meant to be shared. It learns from
// traffic: the pipeline calls RecordRequest once per call, and standalone
// users must do the same, or only the reserve is ever available. Deciding
// and depositing take no lock; a lock is taken only once per bucket width,
// to retire old buckets.
type Ratio struct {
	deposit int64 // units deposited per request
	err     error
	ring    ring // base the reserve, deposits positive, withdrawals -unit
}

// unit is one retry in a Ratio's fixed-point amounts.
const unit = 1_000_000

// maxRatio and maxReserve bound a Ratio's amounts far from overflow.
const (
	maxRatio   = 1000 // as Finagle: ten retries per request is already absurd
	maxReserve = 1e12 // retries
)

var errRatioZero = fmt.Errorf("budget: Ratio not made by NewRatio: %w", ErrInvalidConfig)

// NewRatio returns a budget that allows retries on up to the given
// fraction of recent requests, plus a minimum per second: ratio 0.2 allows
// one retry for every five requests. ratio must be in [0, 1000]; a ratio
// above 1 allows more retries than requests. It accepts WithClock,
// WithBuckets, WithTTL and WithMinPerSecond.
//
// NewRatio does not panic on an invalid ratio or option: the returned
// Ratio's Err reports the first problem and its AllowRetry returns that
// error.
func NewRatio(ratio float64, opts ...Option) *Ratio {
	cfg := newConfig("budget.NewRatio", optClock|optBuckets|optTTL|optMinPerSecond, opts)
	r := &Ratio{}
	reserve := cfg.minPerSecond * cfg.ttl.Seconds()
	switch {
	case !(ratio >= 0 && ratio <= maxRatio): // also catches NaN
		r.err = fmt.Errorf("budget.NewRatio: ratio is %v, want 0 to %d: %w", ratio, maxRatio, ErrInvalidConfig)
	case cfg.err != nil:
		r.err = cfg.err
	case reserve > maxReserve:
		r.err = fmt.Errorf("budget.NewRatio: reserve of %v retries (WithMinPerSecond × WithTTL) is above %v: %w", reserve, maxReserve, ErrInvalidConfig)
	case reserve > 0 && reserve < 1:
		// A retry takes a whole unit: a reserve below one would promise a
		// minimum that never grants anything.
		r.err = fmt.Errorf("budget.NewRatio: reserve of %v retries (WithMinPerSecond × WithTTL) is below one retry; raise either: %w", reserve, ErrInvalidConfig)
	}
	if r.err != nil {
		return r
	}
	r.deposit = int64(math.Round(ratio * unit))
	n := cfg.buckets
	if time.Duration(n) > cfg.ttl {
		n = int(cfg.ttl) // no bucket narrower than a nanosecond
	}
	r.ring.init(cfg.clock, n, cfg.ttl/time.Duration(n), int64(math.Round(reserve*unit)))
	return r
}

// AllowRetry reports whether the Ratio holds one more retry and, if so,
// withdraws it. It returns false and a nil error when the budget is spent,
// and false and Err() when the Ratio is invalid. ctx is not used.
func (r *Ratio) AllowRetry(ctx context.Context) (bool, error) {
	if r.ring.slots == nil {
		return false, r.Err()
	}
	return r.allowAt(r.ring.clock.Now()), nil
}

func (r *Ratio) allowAt(now time.Time) bool {
	return r.ring.take(r.ring.bucket(now), unit, 0)
}

// RecordRequest deposits ratio of a retry for one request. Call it once
// per call, before the call's first attempt. It does nothing on an invalid
// Ratio.
func (r *Ratio) RecordRequest() {
	if r.ring.slots == nil {
		return
	}
	r.requestAt(r.ring.clock.Now())
}

func (r *Ratio) requestAt(now time.Time) {
	if r.deposit > 0 {
		r.ring.put(r.ring.bucket(now), r.deposit)
	}
}

// RecordOutcome does nothing: a Ratio learns from requests, not from
// their outcomes. It exists so that *Ratio is a Learner.
func (r *Ratio) RecordOutcome(success bool) {}

// Remaining returns how many retries the Ratio would grant now, asked one
// after another with no requests in between. It is 0 for an invalid Ratio.
func (r *Ratio) Remaining() int {
	if r.ring.slots == nil {
		return 0
	}
	return r.remainingAt(r.ring.clock.Now())
}

func (r *Ratio) remainingAt(now time.Time) int {
	r.ring.bucket(now) // forget what has outlived the TTL
	return int(max(r.ring.total.Load(), 0) / unit)
}

// Err returns nil for a Ratio made by NewRatio from valid arguments, and
// otherwise an error naming the bad argument or option that wraps
// ErrInvalidConfig.
func (r *Ratio) Err() error {
	if r.err == nil && r.ring.slots == nil {
		return errRatioZero
	}
	return r.err
}
