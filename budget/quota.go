package budget

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/redress-go/redress/classifier"
)

// Quota is a retry budget that holds a pool of tokens which every retry
// pays for, at a price that depends on the failure, and which successes
// refill: the retry quota of the AWS SDK for Go v2's standard retryer.
//
// NewQuota() reproduces the SDK's defaults exactly. The pool starts full
// with 500 tokens. A retry costs 14 tokens, or 5 when the failure it
// retries was throttling (class RATE_LIMIT), and is refused when the pool
// holds fewer tokens than that, so the pool can reach exactly 0 but never
// goes below. A call that succeeds at its first attempt adds 1 token back;
// a call that succeeds after retrying gets back the price of its last
// retry, the one that paid for the success (the earlier retries stay
// spent). A call that fails gets nothing back. The pool never holds more
// than its capacity. Every number is an option: WithCapacity,
// WithRetryCost, WithTimeoutCost, WithThrottleCost, WithNoRetryIncrement.
//
// So in an outage with the defaults, where every attempt fails, the pool
// pays for 35 retries (35 × 14 = 490 tokens, and 10 left are less than
// 14) and then stops retrying; a healthy client refills it by one token
// per successful call. Throttled calls pay 5, so up to 100 retries of
// throttling fit in a full pool.
//
// A timeout is priced by WithTimeoutCost, which by default equals the
// retry cost, as in the SDK since v1.48. A failure is a timeout when err
// matches classifier.ErrAttemptTimeout (an attempt cut by redress's own
// attempt timeout) or context.DeadlineExceeded, or when an error in its
// chain has a Timeout() bool method that reports true (a net.Error such
// as a dial or read timeout). A RATE_LIMIT failure is priced as
// throttling even when it is also a timeout.
//
// Quota is ClassAware: the redress pipeline calls AllowRetryFor with each
// failure's error and classification and RecordSuccess once per call that
// succeeds. Plain AllowRetry, for callers that know nothing of the
// failure, charges the plain retry cost. Quota is not a Learner and does
// not depend on time (it accepts WithClock only so that one option list
// fits every kind).
//
// A Quota is safe for concurrent use and meant to be shared, typically by
// every call to one service, as the SDK shares one per client. Its tokens
// are one atomic integer: paying and refunding take no lock, and
// concurrent callers can never together spend more than the pool holds.
type Quota struct {
	costs  quotaCosts
	err    error
	made   bool         // set by NewQuota, so the zero Quota reports itself
	tokens atomic.Int64 // in [0, costs.capacity]
}

// quotaCosts are a Quota's numbers, in tokens.
type quotaCosts struct {
	capacity  int64
	retry     int64
	timeout   int64 // followRetry: the retry cost, whatever it is
	throttle  int64
	increment int64
}

// followRetry is quotaCosts.timeout when WithTimeoutCost was not given.
const followRetry = -1

// sdkCosts are the defaults of the AWS SDK for Go v2 standard retryer, as
// of github.com/aws/aws-sdk-go-v2 v1.48.0, the newest version the Go module
// proxy served when this was written:
//
//   - aws/retry/standard.go: DefaultRetryRateTokens = 500 (the pool),
//     defaultRetryCost = 14 (a retry), DefaultThrottlingRetryCost = 5 (a
//     retry after an error its throttle checks recognise),
//     DefaultNoRetryIncrement = 1 (GetAttemptToken hands the increment to
//     attempt 1 only, released when that attempt succeeds). The timeout
//     cost (RetryTimeoutCost) is deprecated there and no longer used: a
//     timeout costs the same 14 as any retry. The release function of a
//     retry token refunds the token's cost when the attempt it paid for
//     succeeds (aws/retry/middleware.go releases it with that attempt's
//     error, and a non-nil error releases nothing).
//   - aws/ratelimit/token_bucket.go: Retrieve grants a cost no larger than
//     the tokens left; Refund adds tokens up to the capacity.
//
// Versions before v1.48 charged 5 per retry and 10 per retry after a
// timeout, had no throttling price, and added the increment after every
// successful attempt, retries included.
var sdkCosts = quotaCosts{capacity: 500, retry: 14, timeout: followRetry, throttle: 5, increment: 1}

// maxQuotaTokens bounds a Quota's numbers far from overflow.
const maxQuotaTokens = 1_000_000_000_000

var errQuotaZero = fmt.Errorf("budget: Quota not made by NewQuota: %w", ErrInvalidConfig)

// quotaOption is an option that sets one of a Quota's numbers.
func quotaOption(name string, bit int, n int, set func(*quotaCosts, int64)) Option {
	return optionFunc(func(cfg *config) {
		cfg.set |= bit
		if n < 0 || n > maxQuotaTokens {
			cfg.fail("budget.%s: tokens is %d, want 0 to %d", name, n, maxQuotaTokens)
			return
		}
		set(&cfg.quota, int64(n))
	})
}

// WithCapacity sets how many tokens a Quota holds when full; it starts
// full. tokens must be in [0, 1e12]. Only NewQuota accepts it. The default
// is 500, the AWS SDK's; repeating the option replaces the capacity.
func WithCapacity(tokens int) Option {
	return quotaOption("WithCapacity", optCapacity, tokens, func(c *quotaCosts, n int64) { c.capacity = n })
}

// WithRetryCost sets the tokens a Quota charges for a retry after a
// failure that is neither throttling nor a timeout, and for AllowRetry.
// tokens must be in [0, 1e12]; 0 makes such retries free. Only NewQuota
// accepts it. The default is 14, the AWS SDK's since v1.48 (5 before);
// repeating the option replaces the cost.
func WithRetryCost(tokens int) Option {
	return quotaOption("WithRetryCost", optRetryCost, tokens, func(c *quotaCosts, n int64) { c.retry = n })
}

// WithTimeoutCost sets the tokens a Quota charges for a retry after a
// timeout (see Quota for what counts as one) that is not throttling.
// tokens must be in [0, 1e12]. Only NewQuota accepts it. By default a
// timeout costs the retry cost (WithRetryCost), as in the AWS SDK since
// v1.48 (before, it cost 10); repeating the option replaces the cost.
func WithTimeoutCost(tokens int) Option {
	return quotaOption("WithTimeoutCost", optTimeoutCost, tokens, func(c *quotaCosts, n int64) { c.timeout = n })
}

// WithThrottleCost sets the tokens a Quota charges for a retry after a
// failure classified RATE_LIMIT. tokens must be in [0, 1e12]. Only
// NewQuota accepts it. The default is 5, the AWS SDK's since v1.48 (it
// had no throttling price before, so give the retry cost to reproduce an
// older SDK); repeating the option replaces the cost.
func WithThrottleCost(tokens int) Option {
	return quotaOption("WithThrottleCost", optThrottleCost, tokens, func(c *quotaCosts, n int64) { c.throttle = n })
}

// WithNoRetryIncrement sets the tokens a Quota adds back, up to its
// capacity, for a call that succeeds at its first attempt. tokens must be
// in [0, 1e12]; 0 adds nothing. Only NewQuota accepts it. The default is
// 1, the AWS SDK's; repeating the option replaces the increment.
func WithNoRetryIncrement(tokens int) Option {
	return quotaOption("WithNoRetryIncrement", optNoRetryIncrement, tokens, func(c *quotaCosts, n int64) { c.increment = n })
}

// NewQuota returns a full retry quota. With no options it is the retry
// quota of the AWS SDK for Go v2's standard retryer (see Quota). It
// accepts WithCapacity, WithRetryCost, WithTimeoutCost, WithThrottleCost,
// WithNoRetryIncrement, and WithClock, which it does not use.
//
// NewQuota does not panic on invalid options: the returned Quota's Err
// reports the first problem and its AllowRetry and AllowRetryFor return
// that error.
func NewQuota(opts ...Option) *Quota {
	cfg := newConfig("budget.NewQuota",
		optClock|optCapacity|optRetryCost|optTimeoutCost|optThrottleCost|optNoRetryIncrement, opts)
	q := &Quota{err: cfg.err}
	if q.err != nil {
		return q
	}
	q.costs = cfg.quota
	if q.costs.timeout == followRetry {
		q.costs.timeout = q.costs.retry
	}
	q.made = true
	q.tokens.Store(q.costs.capacity)
	return q
}

// AllowRetry charges the plain retry cost (WithRetryCost) if the pool
// holds that many tokens, and reports whether it did. It is for callers
// that know nothing of the failure; the redress pipeline calls
// AllowRetryFor instead. It returns false and Err() when the Quota is
// invalid. ctx is not used.
func (q *Quota) AllowRetry(ctx context.Context) (bool, error) {
	if !q.made {
		return false, q.Err()
	}
	return q.take(q.costs.retry), nil
}

// AllowRetryFor charges the price of a retry after the failure err
// classified c (see Cost) if the pool holds that many tokens, and reports
// whether it did. It returns false and a nil error when the pool holds
// fewer, and false and Err() when the Quota is invalid. ctx is not used.
func (q *Quota) AllowRetryFor(ctx context.Context, err error, c classifier.Classification) (bool, error) {
	if !q.made {
		return false, q.Err()
	}
	return q.take(q.cost(err, c)), nil
}

// RecordSuccess refills the pool for a call that succeeded: by the
// no-retry increment (WithNoRetryIncrement) if it succeeded at its first
// attempt, and otherwise by the price of its last retry, Cost(lastErr,
// last), which that retry paid. The pool never goes above its capacity.
// It does nothing on an invalid Quota.
func (q *Quota) RecordSuccess(retried bool, last classifier.Classification, lastErr error) {
	if !q.made {
		return
	}
	if retried {
		q.put(q.cost(lastErr, last))
	} else {
		q.put(q.costs.increment)
	}
}

// Cost returns the tokens a retry after the failure err classified c
// costs: the throttle cost when c.Class is RATE_LIMIT, else the timeout
// cost when err is a timeout (see Quota), else the retry cost. It is 0
// for an invalid Quota.
func (q *Quota) Cost(err error, c classifier.Classification) int {
	return int(q.cost(err, c))
}

func (q *Quota) cost(err error, c classifier.Classification) int64 {
	switch {
	case c.Class == classifier.RateLimit:
		return q.costs.throttle
	case q.costs.timeout != q.costs.retry && isTimeout(err):
		// Only looked for when the price differs: walking err's chain is
		// the one costly step, and the SDK's defaults never need it.
		return q.costs.timeout
	}
	return q.costs.retry
}

// Remaining returns the tokens in the pool, in [0, capacity]. It is 0 for
// an invalid Quota.
func (q *Quota) Remaining() int {
	return int(q.tokens.Load())
}

// Err returns nil for a Quota made by NewQuota from valid options, and
// otherwise an error naming the bad option that wraps ErrInvalidConfig.
func (q *Quota) Err() error {
	if q.err == nil && !q.made {
		return errQuotaZero
	}
	return q.err
}

// take subtracts cost from the pool if it holds at least cost tokens.
func (q *Quota) take(cost int64) bool {
	for {
		t := q.tokens.Load()
		if t < cost {
			return false
		}
		if cost == 0 || q.tokens.CompareAndSwap(t, t-cost) {
			return true
		}
	}
}

// put adds n tokens to the pool, up to its capacity.
func (q *Quota) put(n int64) {
	for {
		t := q.tokens.Load()
		next := min(t+n, q.costs.capacity)
		if next == t || q.tokens.CompareAndSwap(t, next) {
			return
		}
	}
}

// timeouter is the method net.Error and context.DeadlineExceeded's error
// share.
type timeouter interface{ Timeout() bool }

// isTimeout reports whether err is a timeout, as Quota's doc says.
func isTimeout(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, classifier.ErrAttemptTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var t timeouter
	return errors.As(err, &t) && t.Timeout()
}
