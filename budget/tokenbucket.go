package budget

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
)

// TokenBucket is a retry budget that stops retries while failures
// outnumber successes: gRPC's retry throttling (gRFC A6).
//
// The bucket starts full, with maxTokens tokens. Each failed attempt takes
// one token, never going below zero; each successful attempt adds
// tokenRatio tokens, never going above maxTokens. Retries are allowed only
// while the bucket holds more than half of maxTokens. Unlike the other
// kinds, asking does not spend anything: AllowRetry only looks, and the
// tokens change only through RecordOutcome. Every concurrent caller that
// asks while the bucket is above half is therefore allowed; the failures
// of those retries then drain it.
//
// gRFC A6 keeps tokens to three decimal places, and so does TokenBucket: it
// counts in thousandths of a token (maxTokens and tokenRatio are rounded to
// the nearest thousandth), so the arithmetic is exact and lock-free. The
// test vector of gRPC's C core holds: with maxTokens 4 and tokenRatio 1.6,
// a failure leaves 3 (retries allowed), a success 4 (capped), a failure 3
// (allowed) and another failure 2 (not allowed: 2 is not above half of 4).
//
// A TokenBucket does not depend on time. It is safe for concurrent use and
// meant to be shared, typically by every call to one server. It learns from
// traffic: the pipeline calls RecordOutcome after every attempt, and
// standalone users must do the same.
type TokenBucket struct {
	max    int64 // milli-tokens
	ratio  int64 // milli-tokens added per success
	err    error
	tokens atomic.Int64 // milli-tokens, in [0, max]
}

// milli is one token in a TokenBucket's fixed-point amounts.
const milli = 1000

// maxTokensLimit bounds maxTokens and tokenRatio far from overflow. gRFC A6
// limits service configs to 1000 tokens; standalone users may want more.
const maxTokensLimit = 1e9

var errTokenBucketZero = fmt.Errorf("budget: TokenBucket not made by NewTokenBucket: %w", ErrInvalidConfig)

// NewTokenBucket returns a full token bucket of maxTokens tokens to which
// every success adds tokenRatio tokens and every failure takes one. Both
// must be positive and at most 1e9 once rounded to the nearest thousandth.
// It accepts WithClock, which it does not use.
//
// NewTokenBucket does not panic on invalid arguments or options: the
// returned TokenBucket's Err reports the first problem and its AllowRetry
// returns that error.
func NewTokenBucket(maxTokens, tokenRatio float64, opts ...Option) *TokenBucket {
	cfg := newConfig("budget.NewTokenBucket", optClock, opts)
	b := &TokenBucket{}
	switch {
	case !(math.Round(maxTokens*milli) >= 1 && maxTokens <= maxTokensLimit): // also catches NaN
		b.err = fmt.Errorf("budget.NewTokenBucket: maxTokens is %v, want 0.001 to %v: %w", maxTokens, float64(maxTokensLimit), ErrInvalidConfig)
	case !(math.Round(tokenRatio*milli) >= 1 && tokenRatio <= maxTokensLimit):
		b.err = fmt.Errorf("budget.NewTokenBucket: tokenRatio is %v, want 0.001 to %v: %w", tokenRatio, float64(maxTokensLimit), ErrInvalidConfig)
	case cfg.err != nil:
		b.err = cfg.err
	}
	if b.err != nil {
		return b
	}
	b.max = int64(math.Round(maxTokens * milli))
	b.ratio = int64(math.Round(tokenRatio * milli))
	b.tokens.Store(b.max)
	return b
}

// AllowRetry reports whether the bucket holds more than half of its
// maximum. It spends nothing (see TokenBucket). It returns false and Err()
// when the TokenBucket is invalid. ctx is not used.
func (b *TokenBucket) AllowRetry(ctx context.Context) (bool, error) {
	if b.max == 0 {
		return false, b.Err()
	}
	return 2*b.tokens.Load() > b.max, nil
}

// RecordRequest does nothing: a TokenBucket learns from outcomes, not from
// requests. It exists so that *TokenBucket is a Learner.
func (b *TokenBucket) RecordRequest() {}

// RecordOutcome adds tokenRatio tokens for a success, up to maxTokens, and
// takes one token for a failure, down to zero. It does nothing on an
// invalid TokenBucket.
func (b *TokenBucket) RecordOutcome(success bool) {
	if b.max == 0 {
		return
	}
	for {
		t := b.tokens.Load()
		next := max(t-milli, 0)
		if success {
			next = min(t+b.ratio, b.max)
		}
		if next == t || b.tokens.CompareAndSwap(t, next) {
			return
		}
	}
}

// Tokens returns the tokens in the bucket, in [0, maxTokens]. It is 0 for
// an invalid TokenBucket.
func (b *TokenBucket) Tokens() float64 {
	return float64(b.tokens.Load()) / milli
}

// Remaining returns how many retries the bucket would still allow if every
// attempt from now on failed: it is positive exactly when AllowRetry
// allows a retry now, and each failure recorded lowers it by one. A full
// bucket of 4 tokens gives 2: allowed at 4, a failure, allowed at 3, a
// failure, refused at 2. It is 0 for an invalid TokenBucket.
func (b *TokenBucket) Remaining() int {
	// Count the k >= 0 with 2·(t - k·milli) > max, that is
	// k < (2t - max) / (2·milli).
	excess := 2*b.tokens.Load() - b.max
	if excess <= 0 {
		return 0
	}
	return int((excess + 2*milli - 1) / (2 * milli))
}

// Err returns nil for a TokenBucket made by NewTokenBucket from valid
// arguments, and otherwise an error naming the bad argument or option that
// wraps ErrInvalidConfig.
func (b *TokenBucket) Err() error {
	if b.err == nil && b.max == 0 {
		return errTokenBucketZero
	}
	return b.err
}
