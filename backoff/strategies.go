package backoff

import (
	"math"
	"time"
)

// Constant returns a strategy that always waits d. A negative d is
// treated as 0.
func Constant(d time.Duration) Strategy {
	return constant(max(d, 0))
}

type constant time.Duration

func (c constant) Delay(Input) time.Duration { return time.Duration(c) }

// Exponential returns a strategy without jitter that waits
//
//	min(max, base·2^(attempt-1))
//
// so base after the first attempt, then twice base, and so on up to max.
// The doubling saturates at max for any attempt, however large; an attempt
// below 1 counts as 1. A negative base counts as 0, and a max below base
// counts as base.
//
// Without jitter, clients that failed together retry together; prefer one
// of the jittered strategies unless exactly predictable delays matter.
func Exponential(base, max time.Duration) Strategy {
	base, max = normalise(base, max)
	return exponential{base: base, max: max}
}

type exponential struct{ base, max time.Duration }

func (s exponential) Delay(in Input) time.Duration {
	return doubled(s.base, s.max, in.Attempt)
}

// FullJitter returns a strategy that waits a uniformly random delay in
//
//	[0, min(max, base·2^(attempt-1))]
//
// This is "full jitter" from Marc Brooker's "Exponential Backoff And
// Jitter" (AWS Architecture Blog, 2015): it spreads a herd of clients the
// most, at the price of sometimes retrying almost at once. Arguments are
// normalised as for Exponential; WithSeed makes the draws reproducible.
func FullJitter(base, max time.Duration, opts ...Option) Strategy {
	base, max = normalise(base, max)
	s := &fullJitter{base: base, max: max}
	s.rng.init(opts)
	return s
}

type fullJitter struct {
	base, max time.Duration
	rng       rng
}

func (s *fullJitter) Delay(in Input) time.Duration {
	return s.rng.upTo(doubled(s.base, s.max, in.Attempt))
}

// EqualJitter returns a strategy that waits half of the exponential delay
// plus a uniformly random part of the other half: with
// temp = min(max, base·2^(attempt-1)), the delay is uniform in
//
//	[temp/2, temp]
//
// (Brooker's "equal jitter", rounding temp/2 down). It never retries
// sooner than half the exponential delay. Arguments are normalised as for
// Exponential; WithSeed makes the draws reproducible.
func EqualJitter(base, max time.Duration, opts ...Option) Strategy {
	base, max = normalise(base, max)
	s := &equalJitter{base: base, max: max}
	s.rng.init(opts)
	return s
}

type equalJitter struct {
	base, max time.Duration
	rng       rng
}

func (s *equalJitter) Delay(in Input) time.Duration {
	temp := doubled(s.base, s.max, in.Attempt)
	return s.rng.between(temp/2, temp)
}

// DecorrelatedJitter returns a strategy whose next delay grows from the
// previous one:
//
//	min(max, uniform[base, 3·prev])
//
// where prev is Input.Prev, or base when Input.Prev is below base (as on
// the first retry, when Prev is 0). It ignores the attempt number. This is
// Brooker's "decorrelated jitter", and redress's default backoff with base
// 250ms and max 5s. Because the previous delay comes in with the Input,
// the strategy keeps no state between calls, and one value can serve
// every call of a policy. Arguments are normalised as for Exponential;
// WithSeed makes the draws reproducible.
func DecorrelatedJitter(base, max time.Duration, opts ...Option) Strategy {
	base, max = normalise(base, max)
	s := &decorrelatedJitter{base: base, max: max}
	s.rng.init(opts)
	return s
}

type decorrelatedJitter struct {
	base, max time.Duration
	rng       rng
}

func (s *decorrelatedJitter) Delay(in Input) time.Duration {
	prev := max(in.Prev, s.base)
	hi := time.Duration(math.MaxInt64)
	if prev <= hi/3 {
		hi = 3 * prev
	}
	return min(s.max, s.rng.between(s.base, hi))
}

// Token returns the Python library's token backoff: a cap that grows by
// half each attempt,
//
//	cap = min(max, base·1.5^attempt)
//
// with attempt 1-based, as in the Python library (so the first retry's cap
// is 1.5·base and mixed fleets back off alike), and a delay uniform in
// [cap/2, cap] (rounding cap/2 down). It grows more gently than the
// doubling strategies. The cap is computed in floating point, rounded down
// to a nanosecond, and saturates at max for any attempt, however large.
// Arguments are normalised as for Exponential; WithSeed makes the draws
// reproducible.
func Token(base, max time.Duration, opts ...Option) Strategy {
	base, max = normalise(base, max)
	s := &token{base: base, max: max}
	s.rng.init(opts)
	return s
}

type token struct {
	base, max time.Duration
	rng       rng
}

func (s *token) Delay(in Input) time.Duration {
	c := grown(s.base, s.max, in.Attempt)
	return s.rng.between(c/2, c)
}

// normalise applies the rule every constructor follows: a negative base is
// 0, and a max below base is base.
func normalise(base, maxDelay time.Duration) (time.Duration, time.Duration) {
	base = max(base, 0)
	return base, max(maxDelay, base)
}

// doubled returns min(maxDelay, base·2^(attempt-1)) without overflow,
// counting an attempt below 1 as 1. It requires 0 <= base <= maxDelay.
func doubled(base, maxDelay time.Duration, attempt int) time.Duration {
	if base == 0 {
		return 0
	}
	k := max(attempt, 1) - 1
	// base<<k > maxDelay exactly when base > maxDelay>>k, and that test
	// cannot overflow.
	if k >= 63 || base > maxDelay>>k {
		return maxDelay
	}
	return base << k
}

// grown returns min(maxDelay, base·1.5^attempt) without overflow,
// counting an attempt below 1 as 1. It requires 0 <= base <= maxDelay.
// It multiplies step by step rather than calling math.Pow, so the result
// is the same on every platform; with base at least 1ns the loop reaches
// maxDelay within about 110 steps.
func grown(base, maxDelay time.Duration, attempt int) time.Duration {
	k := max(attempt, 1)
	if base == 0 {
		return 0
	}
	// f is converted back only while below limit, and limit is at most
	// 2^63, so the conversion cannot overflow: float64(base) may round up
	// to 2^63, but k >= 1 multiplies it at least once before any
	// conversion.
	f, limit := float64(base), float64(maxDelay)
	for ; k > 0; k-- {
		f *= 1.5
		if f >= limit {
			return maxDelay
		}
	}
	return min(maxDelay, time.Duration(f))
}
