package backoff

import (
	"math"
	"sync/atomic"
	"time"
)

// AdaptiveConfig configures Adaptive. The zero value gives the defaults.
type AdaptiveConfig struct {
	// Threshold is the success rate below which failures raise the
	// delay. Default 0.9; must be in (0, 1].
	Threshold float64
	// Multiplier is what each failure multiplies the delay factor by
	// while the success rate is below Threshold. Default 2; must be
	// greater than 1.
	Multiplier float64
	// Recovery is the share of the factor's excess over 1 that each
	// success takes away while the success rate is at or above
	// Threshold: 0.5 halves the way back to the base delay. Default 0.25;
	// must be in (0, 1].
	Recovery float64
	// MaxFactor caps the delay factor. Default 16; must be at least 1.
	MaxFactor float64
	// Memory is the number of recent outcomes the success rate weighs
	// most: it is an exponentially weighted average with weight 1/Memory
	// on the newest outcome. Default 20; must be at least 1.
	Memory int
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

var _ Strategy = (*AdaptiveStrategy)(nil)

// Adaptive returns a strategy whose delay is base's multiplied by a factor
// that the outcomes told to Record move: each failure while the recent
// success rate is below the threshold multiplies the factor (up to a
// cap), and each success while the rate is at or above the threshold
// takes it part of the way back to 1. With redress, pass the strategy to
// redress.WithAdaptive as well as to the retry options, so that it is told
// the outcome of every attempt.
//
// An invalid configuration does not panic: Err reports it, and the
// strategy then delays as base does.
func Adaptive(base Strategy, cfg AdaptiveConfig) *AdaptiveStrategy {
	a := &AdaptiveStrategy{base: base, threshold: cfg.Threshold, mult: cfg.Multiplier,
		recover: cfg.Recovery, maxFactor: cfg.MaxFactor}
	memory := cfg.Memory
	a.threshold = orDefault(a.threshold, 0.9)
	a.mult = orDefault(a.mult, 2)
	a.recover = orDefault(a.recover, 0.25)
	a.maxFactor = orDefault(a.maxFactor, 16)
	if memory == 0 {
		memory = 20
	}
	switch {
	case base == nil:
		a.err = errString("backoff: Adaptive: base strategy is nil")
	case !(a.threshold > 0 && a.threshold <= 1):
		a.err = errString("backoff: Adaptive: Threshold must be in (0, 1]")
	case !(a.mult > 1) || math.IsInf(a.mult, 0):
		a.err = errString("backoff: Adaptive: Multiplier must be greater than 1")
	case !(a.recover > 0 && a.recover <= 1):
		a.err = errString("backoff: Adaptive: Recovery must be in (0, 1]")
	case !(a.maxFactor >= 1) || math.IsInf(a.maxFactor, 0):
		a.err = errString("backoff: Adaptive: MaxFactor must be at least 1")
	case memory < 1:
		a.err = errString("backoff: Adaptive: Memory must be at least 1")
	}
	a.alpha = 1 / float64(max(memory, 1))
	a.rate.Store(math.Float64bits(1))
	a.factor.Store(math.Float64bits(1))
	return a
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

type errString string

func (e errString) Error() string { return string(e) }

// Err returns the error of the strategy's configuration, or nil.
func (a *AdaptiveStrategy) Err() error { return a.err }

// Delay returns base's delay multiplied by the current factor.
func (a *AdaptiveStrategy) Delay(in Input) time.Duration {
	if a.base == nil {
		return 0
	}
	d := a.base.Delay(in)
	f := a.Factor()
	if d <= 0 || f == 1 {
		return d
	}
	scaled := float64(d) * f
	if scaled >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(scaled)
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
