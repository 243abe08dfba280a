// Package budget caps retries across every call that shares a budget.
//
// Retries multiply load: three layers that each try four times turn one
// user action into 4×4×4 = 64 calls on the bottom layer (Google SRE book,
// "Addressing Cascading Failures"). A retry budget is shared by many calls
// and grants a retry only while the calls together have not used up their
// allowance, so an outage meets a bounded trickle of retries instead of a
// storm.
//
// Four kinds sit behind the one Budget interface:
//
//   - Window (New) allows at most a fixed number of retries in any rolling
//     window of time: "100 retries per minute".
//   - Ratio (NewRatio) allows retries up to a fraction of recent requests,
//     plus a small minimum per second: Finagle's RetryBudget.
//   - TokenBucket (NewTokenBucket) stops retries once failures have
//     drained half of its tokens: gRPC's retry throttling (gRFC A6).
//   - Quota (NewQuota) is a pool of tokens that each retry pays for, at a
//     price that depends on the failure, and that successes refill: the
//     retry quota of the AWS SDK for Go v2's standard retryer. It is the
//     ClassAware budget: the pipeline tells it each failure's class and
//     how each call ended.
//
// Every budget is safe for concurrent use, meant to be shared, bounded in
// memory by its configuration, makes no allocations on its hot paths and
// never grants more than it holds, however many goroutines ask at once.
// Time comes from an injectable clock (WithClock).
//
// A budget built from invalid arguments does not panic: its Err method
// reports the problem (wrapping ErrInvalidConfig) and its AllowRetry
// returns that error, so a pipeline using it fails closed.
package budget

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
)

// ErrExhausted is the error a caller reports when a budget denied a retry.
// The budgets themselves deny with (false, nil); the redress pipeline wraps
// ErrExhausted into the call's error so that errors.Is finds it.
var ErrExhausted = errors.New("budget: retry budget exhausted")

// ErrInvalidConfig is wrapped by the error of a budget built from invalid
// arguments or options. See the Err methods.
var ErrInvalidConfig = errors.New("budget: invalid configuration")

// Budget decides whether one more retry may be made. Implementations must
// be safe for concurrent use.
type Budget interface {
	// AllowRetry reports whether one more retry may be made and, if so,
	// spends it. A non-nil error means the budget could not decide (for
	// example a remote store failed); the caller must then not retry
	// ("fail closed").
	AllowRetry(ctx context.Context) (bool, error)
}

// Learner is implemented by budgets that learn from traffic; the pipeline
// tells them about requests and outcomes. Implementations must be safe for
// concurrent use.
type Learner interface {
	// RecordRequest is called once per call, before its first attempt
	// (Ratio deposits here).
	RecordRequest()
	// RecordOutcome is called after every attempt with whether it
	// succeeded. Failures the budget should not learn from (non-retryable
	// classes, the caller's own cancellation) are not reported.
	// (TokenBucket: success adds tokenRatio, failure takes 1.)
	RecordOutcome(success bool)
}

// ClassAware is a Budget whose price of a retry depends on the failure
// and which learns how calls that it paid for ended.
//
// It is optional: a pipeline that finds a budget implements ClassAware
// calls AllowRetryFor where it would call AllowRetry, and RecordSuccess
// once per successful call; budgets that do not implement it keep working
// through Budget (and Learner) alone. Quota is the ClassAware budget of
// this package. Implementations must be safe for concurrent use.
type ClassAware interface {
	Budget
	// AllowRetryFor asks for a retry after a failure err classified c
	// (the pipeline calls it instead of AllowRetry). Like AllowRetry it
	// reports whether the retry may be made and, if so, spends its price;
	// a non-nil error means the budget could not decide and the caller
	// must not retry.
	AllowRetryFor(ctx context.Context, err error, c classifier.Classification) (bool, error)
	// RecordSuccess is told once per call that succeeded: retried reports
	// whether the success came after at least one retry, and then last and
	// lastErr are the classification and error of the failure before the
	// last retry (so the price of that retry can be refunded). When
	// retried is false, last and lastErr carry nothing and implementations
	// must ignore them. Calls that fail are not reported.
	RecordSuccess(retried bool, last classifier.Classification, lastErr error)
}

var (
	_ Budget     = (*Window)(nil)
	_ Budget     = (*Ratio)(nil)
	_ Budget     = (*TokenBucket)(nil)
	_ Learner    = (*Ratio)(nil)
	_ Learner    = (*TokenBucket)(nil)
	_ ClassAware = (*Quota)(nil)
)

// Option configures a budget. Options that do not apply to the kind being
// built (WithTTL given to New, say), and nil options, make the budget
// invalid rather than being ignored.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Option kinds, to tell which options a constructor accepts.
const (
	optClock = 1 << iota
	optBuckets
	optTTL
	optMinPerSecond
	optCapacity
	optRetryCost
	optTimeoutCost
	optThrottleCost
	optNoRetryIncrement
)

var optNames = []struct {
	bit  int
	name string
}{
	{optClock, "WithClock"},
	{optBuckets, "WithBuckets"},
	{optTTL, "WithTTL"},
	{optMinPerSecond, "WithMinPerSecond"},
	{optCapacity, "WithCapacity"},
	{optRetryCost, "WithRetryCost"},
	{optTimeoutCost, "WithTimeoutCost"},
	{optThrottleCost, "WithThrottleCost"},
	{optNoRetryIncrement, "WithNoRetryIncrement"},
}

// Defaults.
const (
	defaultBuckets      = 10
	maxBuckets          = 1024
	defaultTTL          = 10 * time.Second
	defaultMinPerSecond = 10
)

type config struct {
	clock        clock.Clock
	buckets      int
	ttl          time.Duration
	minPerSecond float64
	quota        quotaCosts
	set          int   // optX bits of the options given
	err          error // first invalid option
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format+": %w", append(args, ErrInvalidConfig)...)
	}
}

// newConfig applies opts over the defaults and checks that each given
// option is one the constructor named by who accepts (a set of optX bits).
func newConfig(who string, accepts int, opts []Option) config {
	c := config{
		clock:        clock.Real,
		buckets:      defaultBuckets,
		ttl:          defaultTTL,
		minPerSecond: defaultMinPerSecond,
		quota:        sdkCosts,
	}
	for i, o := range opts {
		if o == nil {
			// A nil option is a mistake (a conditional option left unset, say),
			// not "no option": refusing it keeps the budget from silently
			// running on defaults the caller did not choose.
			c.fail("%s: option %d of %d is nil", who, i+1, len(opts))
			continue
		}
		o.apply(&c)
	}
	for _, o := range optNames {
		if c.set&^accepts&o.bit != 0 {
			c.fail("%s: %s does not apply", who, o.name)
		}
	}
	return c
}

// WithClock makes the budget read time from c instead of the real clock;
// tests pass a fake clock such as *redresstest.Clock. A nil c makes the
// budget invalid. A TokenBucket does not depend on time and accepts the
// option only so that one option list fits every kind. The default is the
// real clock; repeating the option replaces the clock.
func WithClock(c clock.Clock) Option {
	return optionFunc(func(cfg *config) {
		cfg.set |= optClock
		if c == nil {
			cfg.fail("budget.WithClock: clock is nil")
			return
		}
		cfg.clock = c
	})
}

// WithBuckets sets how many buckets a Window's window or a Ratio's TTL is
// divided into, which is the granularity at which spent retries and
// deposits expire: with n buckets, time is counted in steps of 1/n of the
// window. n must be in [1, 1024]. Only New and NewRatio accept it. The
// default is 10; repeating the option replaces the count.
func WithBuckets(n int) Option {
	return optionFunc(func(cfg *config) {
		cfg.set |= optBuckets
		if n < 1 || n > maxBuckets {
			cfg.fail("budget.WithBuckets: n is %d, want 1 to %d", n, maxBuckets)
			return
		}
		cfg.buckets = n
	})
}

// WithTTL sets how long a Ratio remembers a request's deposit or a retry's
// withdrawal. d must be positive. Only NewRatio accepts it. The default is
// 10 seconds, Finagle's; repeating the option replaces the TTL.
func WithTTL(d time.Duration) Option {
	return optionFunc(func(cfg *config) {
		cfg.set |= optTTL
		if d <= 0 {
			cfg.fail("budget.WithTTL: ttl is %v, want > 0", d)
			return
		}
		cfg.ttl = d
	})
}

// WithMinPerSecond sets the retries per second a Ratio allows whatever the
// traffic, so that a client that has just started, or sends few requests,
// can still retry. It is kept as a reserve of n × TTL whole retries per
// TTL (rounded down), so n × TTL must be 0 or at least 1. n must be finite
// and not negative; 0 gives no minimum. Only NewRatio accepts it. The default is 10, Finagle's; repeating the
// option replaces the minimum.
func WithMinPerSecond(n float64) Option {
	return optionFunc(func(cfg *config) {
		cfg.set |= optMinPerSecond
		if !(n >= 0) || math.IsInf(n, 1) {
			cfg.fail("budget.WithMinPerSecond: n is %v, want a finite number >= 0", n)
			return
		}
		cfg.minPerSecond = n
	})
}
