package backoff

import (
	"math"
	"math/big"
	"testing"
	"time"
)

// The fuzz tests check each strategy against oracles computed exactly with
// math/big, independently of the strategies' overflow-avoiding arithmetic.

// normalised applies the constructors' documented rule.
func normalised(base, maxD int64) (time.Duration, time.Duration) {
	b := time.Duration(max(base, 0))
	return b, max(time.Duration(maxD), b)
}

// refExponential is min(maxD, base·2^(attempt-1)) with attempt below 1
// counted as 1, for a normalised base and maxD.
func refExponential(base, maxD time.Duration, attempt int) time.Duration {
	k := max(attempt, 1) - 1
	if base == 0 {
		return 0
	}
	if k > 100 { // base·2^100 exceeds any Duration
		return maxD
	}
	v := new(big.Int).Lsh(big.NewInt(int64(base)), uint(k))
	if v.Cmp(big.NewInt(int64(maxD))) > 0 {
		return maxD
	}
	return time.Duration(v.Int64())
}

// refToken is min(maxD, floor(base·1.5^attempt)) with attempt below 1
// counted as 1, for a normalised base and maxD.
func refToken(base, maxD time.Duration, attempt int) time.Duration {
	k := max(attempt, 1)
	if base == 0 {
		return 0
	}
	if k > 200 { // base·1.5^200 exceeds any Duration
		return maxD
	}
	v := new(big.Int).Exp(big.NewInt(3), big.NewInt(int64(k)), nil)
	v.Mul(v, big.NewInt(int64(base)))
	v.Rsh(v, uint(k))
	if v.Cmp(big.NewInt(int64(maxD))) > 0 {
		return maxD
	}
	return time.Duration(v.Int64())
}

// inRange fails the test unless lo <= d <= hi.
func inRange(t *testing.T, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Fatalf("Delay() = %d, want within [%d, %d]", d, lo, hi)
	}
}

func FuzzExponential(f *testing.F) {
	for _, c := range exponentialCases {
		f.Add(int64(c.base), int64(c.max), c.attempt)
	}
	f.Fuzz(func(t *testing.T, base, maxD int64, attempt int) {
		b, m := normalised(base, maxD)
		want := refExponential(b, m, attempt)
		inRange(t, Exponential(time.Duration(base), time.Duration(maxD)).Delay(Input{Attempt: attempt}), want, want)
	})
}

func FuzzFullJitter(f *testing.F) {
	for _, c := range fullJitterCases {
		f.Add(int64(c.base), int64(c.max), c.attempt, c.seed)
	}
	f.Fuzz(func(t *testing.T, base, maxD int64, attempt int, seed uint64) {
		b, m := normalised(base, maxD)
		s := FullJitter(time.Duration(base), time.Duration(maxD), WithSeed(seed))
		inRange(t, s.Delay(Input{Attempt: attempt}), 0, refExponential(b, m, attempt))
	})
}

func FuzzEqualJitter(f *testing.F) {
	for _, c := range equalJitterCases {
		f.Add(int64(c.base), int64(c.max), c.attempt, c.seed)
	}
	f.Fuzz(func(t *testing.T, base, maxD int64, attempt int, seed uint64) {
		b, m := normalised(base, maxD)
		temp := refExponential(b, m, attempt)
		s := EqualJitter(time.Duration(base), time.Duration(maxD), WithSeed(seed))
		inRange(t, s.Delay(Input{Attempt: attempt}), temp/2, temp)
	})
}

func FuzzDecorrelatedJitter(f *testing.F) {
	for _, c := range decorrelatedJitterCases {
		f.Add(int64(c.base), int64(c.max), c.attempt, int64(c.prev), c.seed)
	}
	f.Fuzz(func(t *testing.T, base, maxD int64, attempt int, prev int64, seed uint64) {
		b, m := normalised(base, maxD)
		hi := m
		triple := new(big.Int).Mul(big.NewInt(max(prev, int64(b))), big.NewInt(3))
		if triple.Cmp(big.NewInt(int64(m))) < 0 {
			hi = time.Duration(triple.Int64())
		}
		s := DecorrelatedJitter(time.Duration(base), time.Duration(maxD), WithSeed(seed))
		inRange(t, s.Delay(Input{Attempt: attempt, Prev: time.Duration(prev)}), b, hi)
	})
}

func FuzzToken(f *testing.F) {
	for _, c := range tokenCases {
		f.Add(int64(c.base), int64(c.max), c.attempt, c.seed)
	}
	f.Fuzz(func(t *testing.T, base, maxD int64, attempt int, seed uint64) {
		b, m := normalised(base, maxD)
		c := refToken(b, m, attempt)
		// Token computes its cap in floating point; allow each end a
		// rounding error far larger than ~110 roundings can make.
		tol := c>>40 + 1
		hi := m
		if c <= m-tol {
			hi = c + tol
		}
		s := Token(time.Duration(base), time.Duration(maxD), WithSeed(seed))
		inRange(t, s.Delay(Input{Attempt: attempt}), max(c/2-tol, 0), hi)
	})
}

func FuzzRetryAfterOr(f *testing.F) {
	for _, c := range retryAfterCases {
		f.Add(int64(c.retryAfter), int64(c.base), int64(c.max), c.attempt, uint64(1))
	}
	f.Fuzz(func(t *testing.T, ra, base, maxD int64, attempt int, seed uint64) {
		s := RetryAfterOr(Exponential(time.Duration(base), time.Duration(maxD)), WithSeed(seed))
		d := s.Delay(Input{Attempt: attempt, Classification: retryAfter(time.Duration(ra))})
		if ra <= 0 {
			b, m := normalised(base, maxD)
			want := refExponential(b, m, attempt)
			inRange(t, d, want, want)
			return
		}
		hi := time.Duration(math.MaxInt64)
		if ra <= math.MaxInt64-int64(RetryAfterJitter) {
			hi = time.Duration(ra) + RetryAfterJitter
		}
		inRange(t, d, time.Duration(ra), hi)
	})
}
