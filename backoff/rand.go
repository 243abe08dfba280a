package backoff

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"time"

	"github.com/redress-go/redress/internal/splitmix"
)

// Option configures a jittered strategy (FullJitter, EqualJitter,
// DecorrelatedJitter, Token and RetryAfterOr).
type Option interface {
	apply(*options)
}

type options struct {
	seed   uint64
	seeded bool
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithSeed makes a strategy's random draws reproducible: two strategies
// built with the same arguments and the same seed return the same sequence
// of delays for the same sequence of inputs. It is meant for simulations
// and tests; in production the default source spreads a fleet's retries
// better, because every process draws differently.
//
// A seeded strategy is still safe for concurrent use and still takes no
// lock, but when several goroutines share it the order in which they take
// their draws, and so which delay each one gets, is up to the scheduler.
//
// By default a strategy draws from math/rand/v2's top-level functions,
// seeded randomly at start-up. Repeating WithSeed replaces the seed.
func WithSeed(seed uint64) Option {
	return optionFunc(func(o *options) {
		o.seed = seed
		o.seeded = true
	})
}

// init sets r up from a constructor's options.
func (r *rng) init(opts []Option) {
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	r.seeded = o.seeded
	r.src.Seed(o.seed)
}

// rng is the random source of one strategy. Unseeded, it uses
// math/rand/v2's top-level functions, which are safe for concurrent use.
// Seeded, it is SplitMix64 (package internal/splitmix), which needs no
// lock either. An rng must not be copied after first use.
type rng struct {
	seeded bool
	src    splitmix.Source
}

func (r *rng) uint64() uint64 { return r.src.Uint64() }

// upTo returns a uniform draw from [0, n]. n must not be negative.
func (r *rng) upTo(n time.Duration) time.Duration {
	if n <= 0 {
		return 0
	}
	if !r.seeded {
		if n == math.MaxInt64 {
			return time.Duration(rand.Uint64() >> 1)
		}
		return time.Duration(rand.Int64N(int64(n) + 1))
	}
	// Lemire's multiply-and-reject method ("Fast Random Integer Generation
	// in an Interval", ACM TOMACS 2019): the high word of x·bound is
	// uniform in [0, bound) once the few biased low words are rejected.
	// bound is at most 2^63, so it cannot overflow.
	bound := uint64(n) + 1
	hi, lo := bits.Mul64(r.uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.uint64(), bound)
		}
	}
	return time.Duration(hi)
}

// between returns a uniform draw from [lo, hi]. It requires
// 0 <= lo <= hi.
func (r *rng) between(lo, hi time.Duration) time.Duration {
	return lo + r.upTo(hi-lo)
}
