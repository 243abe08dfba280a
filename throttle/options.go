package throttle

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// ErrInvalidConfig is wrapped by the error of a throttle made with invalid
// options. See Throttle.Err.
var ErrInvalidConfig = errors.New("throttle: invalid configuration")

// Option configures a Throttle made by New.
type Option interface {
	apply(*config)
}

// optionFunc adapts a function to the Option interface.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is a throttle's configuration, fixed once New returns.
type config struct {
	k       float64
	padding float64
	window  time.Duration
	clock   clock.Clock
	seed    uint64
	errs    []error
}

// Defaults of a throttle made by New with no options.
const (
	// defaultK is the SRE book's suggestion: the backend sees at most
	// about twice what it accepts.
	defaultK = 2
	// defaultPadding is grpc-go's default requests padding (package
	// balancer/rls/internal/adaptive, defaultRequestsPadding = 8.0, in
	// grpc-go v1.85.0). The SRE book's formula adds 1; see WithPadding
	// for why this package pads more.
	defaultPadding = 8
	// defaultWindow is the span of the rolling window of counts, the SRE
	// book's two minutes.
	defaultWindow = 2 * time.Minute
)

func defaultConfig() config {
	return config{k: defaultK, padding: defaultPadding, window: defaultWindow, clock: clock.Real}
}

// invalid records that name was given an invalid value.
func (c *config) invalid(name, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrInvalidConfig, name, fmt.Sprintf(format, args...)))
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// WithK sets K, how many requests per accept the backend may see before
// the throttle starts refusing: 2 lets through about twice what the
// backend accepts. Lower is more aggressive, higher more lenient. k must
// be at least 1 and finite. The default is 2; repeating it replaces the
// earlier value.
func WithK(k float64) Option {
	return optionFunc(func(c *config) {
		if !(k >= 1) || !finite(k) {
			c.invalid(fmt.Sprintf("WithK(%v)", k), "K must be at least 1 and finite")
			return
		}
		c.k = k
	})
}

// WithPadding sets the padding of the formula's denominator:
//
//	max(0, (requests − K·accepts) / (requests + padding))
//
// The padding is what keeps a throttle with little history calm. The SRE
// book adds 1, which makes a fresh throttle refuse half of all requests
// after a single failure (1 request, 0 accepts: 1/2) until enough
// successes come back; a padding of 8 makes that 1/9, and the padding
// matters less and less as traffic grows (with 1,000 requests in the
// window, 8 instead of 1 lowers the probability by under 1 % of its
// value). p must be at least 0 and
// finite; with 0 a lone failure refuses everything until it leaves the
// window. The default is 8, grpc-go's default for its adaptive throttler;
// repeating it replaces the earlier value.
func WithPadding(p float64) Option {
	return optionFunc(func(c *config) {
		if !(p >= 0) || !finite(p) {
			c.invalid(fmt.Sprintf("WithPadding(%v)", p), "the padding must be at least 0 and finite")
			return
		}
		c.padding = p
	})
}

// WithWindow sets the span of the rolling window over which requests and
// accepts are counted. It is kept as 12 buckets of d/12, so a request
// stops counting between 11d/12 and d after it was made; memory does not
// depend on traffic. d must be at least 12 ns. The default is 2 minutes;
// repeating it replaces the earlier value.
func WithWindow(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < numBuckets {
			c.invalid(fmt.Sprintf("WithWindow(%v)", d), "the window must be at least %v (one nanosecond per bucket)", time.Duration(numBuckets))
			return
		}
		c.window = d
	})
}

// WithClock sets the clock of the rolling window, so that tests can drive
// it with a fake clock (see package redresstest). c must not be nil. The
// default is the real clock; repeating it replaces the earlier value.
func WithClock(c clock.Clock) Option {
	return optionFunc(func(cfg *config) {
		if c == nil {
			cfg.invalid("WithClock(nil)", "the clock is nil")
			return
		}
		cfg.clock = c
	})
}

// WithSeed seeds the random draws that decide which requests are refused,
// so that a test sees the same refusals on every run. The default is 0:
// seeded from the clock's time when the throttle is made; repeating it
// replaces the earlier value.
func WithSeed(seed uint64) Option {
	return optionFunc(func(c *config) { c.seed = seed })
}
