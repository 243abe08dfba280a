package redressredis

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/breaker"
)

// Option configures a Budget (NewBudget) or a Breaker (NewBreaker). It is
// also a breaker.Option, so that NewBreaker's options are one list; it does
// nothing when given to breaker.New itself.
type Option interface {
	breaker.Option
	applyFleet(*fleetConfig)
}

type fleetConfig struct {
	timeout     time.Duration
	interval    time.Duration
	intervalSet bool // WithSyncInterval was given
	errs        []string
}

const (
	// DefaultTimeout is how long one round trip to Redis may take by
	// default, for a Budget's AllowRetry and for each sync of a Breaker.
	DefaultTimeout = 250 * time.Millisecond
	// DefaultSyncInterval is how often a Breaker shares its state with the
	// fleet by default.
	DefaultSyncInterval = time.Second
)

func newFleetConfig() fleetConfig {
	return fleetConfig{timeout: DefaultTimeout, interval: DefaultSyncInterval}
}

func (c *fleetConfig) invalid(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

type fleetOption struct {
	breaker.Option // does nothing: see noopBreakerOption
	f              func(*fleetConfig)
}

func (o fleetOption) applyFleet(c *fleetConfig) { o.f(c) }

// noopBreakerOption is a breaker option without effect, embedded in each
// Option so that an Option given to breaker.New is harmless.
var noopBreakerOption = breaker.WithOnStateChange(func(breaker.State, breaker.State) {})

// WithTimeout sets how long one round trip to Redis may take: a Budget's
// AllowRetry that gets no answer within d (or before the caller's context
// ends, if sooner) denies the retry, and a Breaker's sync that gets none
// gives up until the next one. It holds whatever go-redis's own timeouts
// are (ReadTimeout, ContextTimeoutEnabled): a Redis that hangs does not hold
// a caller past it. d must be positive. The default is DefaultTimeout
// (250 ms); repeating it replaces the earlier value.
func WithTimeout(d time.Duration) Option {
	return fleetOption{noopBreakerOption, func(c *fleetConfig) {
		if d <= 0 {
			c.invalid("WithTimeout(%v): must be positive", d)
			return
		}
		c.timeout = d
	}}
}

// WithSyncInterval sets how often a Breaker shares its failures and state
// with the fleet, and so how long an open circuit takes to reach every
// process (at most d, plus a round trip). Only NewBreaker accepts it. d
// must be at least 10 ms. The default is DefaultSyncInterval (1 s);
// repeating it replaces the earlier value.
func WithSyncInterval(d time.Duration) Option {
	return fleetOption{noopBreakerOption, func(c *fleetConfig) {
		if d < 10*time.Millisecond {
			c.invalid("WithSyncInterval(%v): must be at least 10ms", d)
			return
		}
		c.interval = d
		c.intervalSet = true
	}}
}
