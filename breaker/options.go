package breaker

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
)

// Option configures a Breaker made by New.
type Option interface {
	apply(*config)
}

// optionFunc adapts a function to the Option interface.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is a breaker's configuration. It is immutable once New returns.
type config struct {
	threshold      int64
	window         time.Duration
	recovery       time.Duration
	probes         int
	tripOn         [classifier.NumClasses]bool
	classThreshold [classifier.NumClasses]int64 // 0: no threshold of its own
	rate           float64                      // > 0: failure-rate mode
	minCalls       int64
	clock          clock.Clock
	listeners      []func(from, to State)
	errs           []error
}

func defaultConfig() config {
	c := config{
		threshold: 5,
		window:    time.Minute,
		recovery:  30 * time.Second,
		probes:    1,
		clock:     clock.Real,
	}
	c.tripOn[classifier.Transient] = true
	c.tripOn[classifier.ServerError] = true
	return c
}

// invalid records that option name was given an invalid value.
func (c *config) invalid(name, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrInvalidConfig, name, fmt.Sprintf(format, args...)))
}

func (c *config) err() error { return errors.Join(c.errs...) }

// WithFailureThreshold makes the breaker open once n failures have been
// counted within the window (see WithWindow). Only failures of a class in
// WithTripOn, and panics, count. n must be at least 1. It has no effect in
// the failure-rate mode (see WithFailureRate). The default is 5; repeating
// it replaces the earlier value.
func WithFailureThreshold(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.invalid(fmt.Sprintf("WithFailureThreshold(%d)", n), "n must be at least 1")
			return
		}
		c.threshold = int64(n)
	})
}

// WithWindow sets the rolling window within which failures are counted.
// The window is kept as 10 buckets of d/10 each (rounded up to a whole
// nanosecond), so a failure stops counting between 9d/10 and d after it
// happened (d plus under 10 ns when d is not a multiple of 10 ns); memory
// does not depend on traffic. d must be at least 10 ns. The default is
// 60 s; repeating it replaces the earlier value.
func WithWindow(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < numBuckets {
			c.invalid(fmt.Sprintf("WithWindow(%v)", d), "the window must be at least %v (one nanosecond per bucket)", time.Duration(numBuckets))
			return
		}
		c.window = d
	})
}

// WithRecoveryTimeout sets how long the breaker stays open before it lets
// probe calls through (half-open). d must be positive. The default is
// 30 s; repeating it replaces the earlier value.
func WithRecoveryTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid(fmt.Sprintf("WithRecoveryTimeout(%v)", d), "the recovery timeout must be positive")
			return
		}
		c.recovery = d
	})
}

// WithTripOn sets the classes of failure that count towards opening the
// breaker. A failure of any other class means the dependency answered, and
// counts as a success, unless the class has a threshold of its own (see
// WithClassThreshold). With no classes, only panics and classes with a
// threshold of their own count. The default is TRANSIENT and SERVER_ERROR;
// repeating it replaces the earlier set.
func WithTripOn(classes ...classifier.Class) Option {
	return optionFunc(func(c *config) {
		var set [classifier.NumClasses]bool
		for _, cl := range classes {
			if !cl.Valid() {
				c.invalid(fmt.Sprintf("WithTripOn(%v)", cl), "not a class")
				return
			}
			set[cl] = true
		}
		c.tripOn = set
	})
}

// WithClassThreshold makes the breaker open once n failures of class cl
// have been counted within the window, whatever the other thresholds say.
// A class given a threshold counts as a failure even when it is not in
// WithTripOn; a class that is in WithTripOn counts against both its own
// threshold and the breaker's (WithFailureThreshold or WithFailureRate),
// so its own threshold is useful when it is lower. n must be at least 1.
// By default no class has a threshold of its own; repeating it adds a
// class, or replaces the threshold of a class given before.
func WithClassThreshold(cl classifier.Class, n int) Option {
	return optionFunc(func(c *config) {
		name := fmt.Sprintf("WithClassThreshold(%v, %d)", cl, n)
		switch {
		case !cl.Valid():
			c.invalid(name, "not a class")
		case n < 1:
			c.invalid(name, "n must be at least 1")
		default:
			c.classThreshold[cl] = int64(n)
		}
	})
}

// WithFailureRate switches the breaker from counting failures to watching
// the failure rate: it opens once, within the window, at least minCalls
// calls have been recorded and the share of them that failed has reached
// ratio (0.5 opens at half the calls failing). Failures are counted as for
// WithFailureThreshold, which is then not used; every recorded call that
// was not cancelled counts towards minCalls. Class thresholds still apply.
// This mode reads the clock on every recorded call, where counting
// failures reads it only on failures. ratio must be in (0, 1] and minCalls
// at least 1. By default the breaker counts failures instead; repeating it
// replaces the earlier values.
func WithFailureRate(ratio float64, minCalls int) Option {
	return optionFunc(func(c *config) {
		name := fmt.Sprintf("WithFailureRate(%v, %d)", ratio, minCalls)
		switch {
		case !(ratio > 0 && ratio <= 1):
			c.invalid(name, "the ratio must be in (0, 1]")
		case minCalls < 1:
			c.invalid(name, "minCalls must be at least 1")
		default:
			c.rate, c.minCalls = ratio, int64(minCalls)
		}
	})
}

// WithHalfOpenProbes sets how many calls the half-open breaker lets
// through. All n must succeed for the breaker to close; one failure opens
// it again. Further calls are rejected while the probes are out, and a
// cancelled probe frees its slot for another call. n must be at least 1.
// The default is 1; repeating it replaces the earlier value.
func WithHalfOpenProbes(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.invalid(fmt.Sprintf("WithHalfOpenProbes(%d)", n), "n must be at least 1")
			return
		}
		c.probes = n
	})
}

// WithClock sets the clock the breaker tells the time by, for windows and
// the recovery timeout. Tests pass a fake clock such as
// redresstest.NewClock. The default is the real clock; repeating it
// replaces the earlier clock.
func WithClock(c clock.Clock) Option {
	return optionFunc(func(cfg *config) {
		if c == nil {
			cfg.invalid("WithClock(nil)", "the clock must not be nil")
			return
		}
		cfg.clock = c
	})
}

// WithOnStateChange adds a listener that is called once for each change of
// state, with the states before and after. Listeners are called by the
// goroutine that caused the change (in Allow, Record, ForceOpen or Reset)
// after the breaker has released its locks, so a listener may call any
// method of the breaker. Listeners of changes that happen at the same
// moment on different goroutines may run concurrently and out of order. A
// listener should be quick: the call that caused the change waits for it.
// A listener that panics panics that call, after the change was made.
// By default there are no listeners; repeating it adds a listener.
func WithOnStateChange(f func(from, to State)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.invalid("WithOnStateChange(nil)", "the listener must not be nil")
			return
		}
		c.listeners = append(c.listeners, f)
	})
}
