package backoff

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// The defaults of Adaptive's options.
const (
	defaultThreshold  = 0.9
	defaultMultiplier = 2.0
	defaultRecovery   = 0.25
	defaultMaxFactor  = 16.0
	defaultMemory     = 20
)

// AdaptiveOption configures Adaptive. Options are applied in order;
// repeating one replaces the earlier value.
type AdaptiveOption interface {
	applyAdaptive(*adaptiveConfig)
}

type adaptiveConfig struct {
	threshold, mult, recover, maxFactor float64
	memory                              int
	errs                                []error
}

func (c *adaptiveConfig) invalid(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: backoff.Adaptive: "+format, append([]any{ErrInvalidConfig}, args...)...))
}

type adaptiveOptionFunc func(*adaptiveConfig)

func (f adaptiveOptionFunc) applyAdaptive(c *adaptiveConfig) { f(c) }

// ErrInvalidConfig is wrapped by the error AdaptiveStrategy.Err reports
// for invalid options.
var ErrInvalidConfig = errors.New("invalid backoff configuration")

// WithThreshold sets the success rate below which failures raise the
// delay. r must be in (0, 1]. Default 0.9.
func WithThreshold(r float64) AdaptiveOption {
	return adaptiveOptionFunc(func(c *adaptiveConfig) {
		if !(r > 0 && r <= 1) {
			c.invalid("WithThreshold(%v): the threshold must be in (0, 1]", r)
			return
		}
		c.threshold = r
	})
}

// WithMultiplier sets what each failure multiplies the delay factor by
// while the success rate is below the threshold. m must be finite and
// greater than 1. Default 2.
func WithMultiplier(m float64) AdaptiveOption {
	return adaptiveOptionFunc(func(c *adaptiveConfig) {
		if !(m > 1) || math.IsInf(m, 0) {
			c.invalid("WithMultiplier(%v): the multiplier must be finite and greater than 1", m)
			return
		}
		c.mult = m
	})
}

// WithRecovery sets the share of the factor's excess over 1 that each
// success takes away while the success rate is at or above the
// threshold: 0.5 halves the way back to the base delay, 1 returns to it
// at once. r must be in (0, 1]. Default 0.25.
func WithRecovery(r float64) AdaptiveOption {
	return adaptiveOptionFunc(func(c *adaptiveConfig) {
		if !(r > 0 && r <= 1) {
			c.invalid("WithRecovery(%v): the recovery must be in (0, 1]", r)
			return
		}
		c.recover = r
	})
}

// WithMaxFactor caps the delay factor: the delay is at most f times the
// base strategy's. f must be finite and at least 1. Default 16.
func WithMaxFactor(f float64) AdaptiveOption {
	return adaptiveOptionFunc(func(c *adaptiveConfig) {
		if !(f >= 1) || math.IsInf(f, 0) {
			c.invalid("WithMaxFactor(%v): the factor must be finite and at least 1", f)
			return
		}
		c.maxFactor = f
	})
}

// WithMemory sets the number of recent outcomes the success rate weighs
// most: the rate is an exponentially weighted average with weight 1/n on
// the newest outcome. n must be at least 1. Default 20.
func WithMemory(n int) AdaptiveOption {
	return adaptiveOptionFunc(func(c *adaptiveConfig) {
		if n < 1 {
			c.invalid("WithMemory(%d): the memory must be at least 1", n)
			return
		}
		c.memory = n
	})
}

// AdaptiveStrategy is a Strategy that stretches the delays of another one
// while the dependency fails often, and relaxes them as it recovers. Make
// one with Adaptive. It is safe for concurrent use, takes no lock, and its
// memory is fixed.
type AdaptiveStrategy struct {
	base                     Strategy
	threshold, mult, recover float64
	maxFactor, alpha         float64
	err                      error
	rate                     atomic.Uint64 // float64 bits: the success rate
	factor                   atomic.Uint64 // float64 bits: at least 1
}

var _ ServerAware = (*AdaptiveStrategy)(nil)

// Adaptive returns a strategy whose delay is base's multiplied by a factor
// that the outcomes told to Record move: each failure while the recent
// success rate is below the threshold multiplies the factor (up to a
// cap), and each success while the rate is at or above the threshold
// takes it part of the way back to 1. With redress, pass the strategy to
// redress.WithAdaptive as well as to the retry options, so that it is told
// the outcome of every attempt.
//
// opts change the defaults: WithThreshold (0.9), WithMultiplier (2),
// WithRecovery (0.25), WithMaxFactor (16) and WithMemory (20). Invalid
// options, a nil option or a nil base do not panic: Err reports them all,
// and the strategy then delays as base does (0 for a nil base) and never
// changes its factor.
func Adaptive(base Strategy, opts ...AdaptiveOption) *AdaptiveStrategy {
	c := adaptiveConfig{threshold: defaultThreshold, mult: defaultMultiplier,
		recover: defaultRecovery, maxFactor: defaultMaxFactor, memory: defaultMemory}
	if base == nil {
		c.invalid("the base strategy is nil")
	}
	for _, o := range opts {
		if o == nil {
			c.invalid("an option is nil")
			continue
		}
		o.applyAdaptive(&c)
	}
	a := &AdaptiveStrategy{base: base, threshold: c.threshold, mult: c.mult,
		recover: c.recover, maxFactor: c.maxFactor, alpha: 1 / float64(c.memory),
		err: errors.Join(c.errs...)}
	a.rate.Store(math.Float64bits(1))
	a.factor.Store(math.Float64bits(1))
	return a
}

// Err returns the error of the strategy's options, which wraps
// ErrInvalidConfig and names every invalid option, or nil.
func (a *AdaptiveStrategy) Err() error { return a.err }

// Delay returns base's delay multiplied by the current factor, or, when
// base waits as a server asked (see ServerAware), that wait unchanged.
func (a *AdaptiveStrategy) Delay(in Input) time.Duration {
	d, _ := a.DelaySource(in)
	return d
}

// DelaySource returns what Delay does, and whether it is a wait a server
// asked for, which base (a ServerAware strategy such as RetryAfterOr's)
// reports. The factor scales only the delays base computes itself: the
// server said when to come back.
func (a *AdaptiveStrategy) DelaySource(in Input) (time.Duration, bool) {
	if a.base == nil {
		return 0, false
	}
	d, server := DelaySource(a.base, in)
	f := a.Factor()
	if server || d <= 0 || f == 1 {
		return d, server
	}
	scaled := float64(d) * f
	if scaled >= math.MaxInt64 {
		return math.MaxInt64, false
	}
	return time.Duration(scaled), false
}

// Record tells the strategy an outcome: success or failure of an attempt
// at the dependency its delays pace.
func (a *AdaptiveStrategy) Record(success bool) {
	if a.err != nil {
		return
	}
	s := 0.0
	if success {
		s = 1
	}
	rate := update(&a.rate, func(r float64) float64 { return r + a.alpha*(s-r) })
	switch {
	case !success && rate < a.threshold:
		update(&a.factor, func(f float64) float64 { return min(f*a.mult, a.maxFactor) })
	case success && rate >= a.threshold:
		update(&a.factor, func(f float64) float64 { return max(1, f-(f-1)*a.recover) })
	}
}

// Factor returns what the base strategy's delays are multiplied by now:
// 1 while the dependency is healthy.
func (a *AdaptiveStrategy) Factor() float64 { return math.Float64frombits(a.factor.Load()) }

// SuccessRate returns the recent success rate, from 0 to 1; it starts at 1.
func (a *AdaptiveStrategy) SuccessRate() float64 { return math.Float64frombits(a.rate.Load()) }

// update applies f to the float64 in v with compare-and-swap, and returns
// the new value.
func update(v *atomic.Uint64, f func(float64) float64) float64 {
	for {
		old := v.Load()
		next := f(math.Float64frombits(old))
		if v.CompareAndSwap(old, math.Float64bits(next)) {
			return next
		}
	}
}
