package retry

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
)

// The defaults of a Policy.
const (
	// DefaultMaxAttempts is the number of attempts, the first included,
	// when WithMaxAttempts is not given.
	DefaultMaxAttempts = 6
	// DefaultMaxUnknownAttempts is the number of UNKNOWN failures retried
	// when WithMaxUnknownAttempts is not given.
	DefaultMaxUnknownAttempts = 2
	// DefaultMaxRetryAfter is the longest server Retry-After trusted when
	// WithMaxRetryAfter is not given; a larger value is capped to it.
	DefaultMaxRetryAfter = 5 * time.Minute
	// DefaultBackoffBase and DefaultBackoffMax are the base and cap of the
	// default backoff, decorrelated jitter.
	DefaultBackoffBase = 250 * time.Millisecond
	DefaultBackoffMax  = 5 * time.Second
)

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("invalid retry configuration")

// Option configures a Policy. Options are applied in order; where an
// option's doc says it replaces, the last one given wins.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	maxAttempts        int
	maxUnknownAttempts int
	maxRetryAfter      time.Duration
	perClassMax        [classifier.NumClasses]int // -1: no cap
	backoff            backoff.Strategy
	noDefaultBackoff   bool
	perClassBackoff    [classifier.NumClasses]backoff.Strategy
	deferMode          bool
	errs               []error
}

func (c *config) invalid(option string, format string, args ...any) {
	c.errs = append(c.errs, &configError{option: option, msg: fmt.Sprintf(format, args...)})
}

// configError names the option that was given a bad value.
type configError struct {
	option string
	msg    string
}

func (e *configError) Error() string { return e.option + ": " + e.msg }
func (e *configError) Unwrap() error { return ErrInvalidConfig }

// WithMaxAttempts sets the number of attempts, the first included; the call
// stops with MAX_ATTEMPTS_GLOBAL after the n-th. n must be at least 1 (1
// means never retry). Default 6; repeating replaces.
func WithMaxAttempts(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.invalid("retry.WithMaxAttempts", "must be at least 1, got %d", n)
			return
		}
		c.maxAttempts = n
	})
}

// WithMaxUnknownAttempts sets how many UNKNOWN failures are retried: the
// call stops with MAX_UNKNOWN_ATTEMPTS once UNKNOWN failures exceed n. 0
// means an UNKNOWN failure is never retried; n must not be negative.
// Default 2; repeating replaces.
func WithMaxUnknownAttempts(n int) Option {
	return optionFunc(func(c *config) {
		if n < 0 {
			c.invalid("retry.WithMaxUnknownAttempts", "must not be negative, got %d", n)
			return
		}
		c.maxUnknownAttempts = n
	})
}

// WithMaxAttemptsFor caps the failures of one class that are retried: the
// call stops with MAX_ATTEMPTS_PER_CLASS once failures of class c exceed
// n. 0 means failures of c are never retried; n must not be negative. By
// default no class has a cap of its own; repeating for the same class
// replaces, for another class adds.
func WithMaxAttemptsFor(c classifier.Class, n int) Option {
	return optionFunc(func(cfg *config) {
		switch {
		case !c.Valid():
			cfg.invalid("retry.WithMaxAttemptsFor", "unknown class %v", c)
		case n < 0:
			cfg.invalid("retry.WithMaxAttemptsFor", "%v: must not be negative, got %d", c, n)
		default:
			cfg.perClassMax[c] = n
		}
	})
}

// WithBackoff sets the strategy for every class without one of its own.
// RATE_LIMIT and SERVER_ERROR failures without their own strategy use
// backoff.RetryAfterOr(s): the server's Retry-After (capped, plus at most
// backoff.RetryAfterJitter) when it gives one, otherwise s. Default
// backoff.DecorrelatedJitter(250ms, 5s); repeating replaces.
func WithBackoff(s backoff.Strategy) Option {
	return optionFunc(func(c *config) {
		if s == nil {
			c.invalid("retry.WithBackoff", "strategy is nil")
			return
		}
		c.backoff = s
		c.noDefaultBackoff = false
	})
}

// WithBackoffFor sets the strategy for failures of class c. By default
// every class uses the strategy of WithBackoff; repeating for the same
// class replaces, for another class adds.
func WithBackoffFor(c classifier.Class, s backoff.Strategy) Option {
	return optionFunc(func(cfg *config) {
		switch {
		case !c.Valid():
			cfg.invalid("retry.WithBackoffFor", "unknown class %v", c)
		case s == nil:
			cfg.invalid("retry.WithBackoffFor", "%v: strategy is nil", c)
		default:
			cfg.perClassBackoff[c] = s
		}
	})
}

// WithoutDefaultBackoff removes the default strategy: only the classes
// given a strategy with WithBackoffFor are retried, and a failure of any
// other class stops the call with NO_STRATEGY. A later WithBackoff restores
// a default.
func WithoutDefaultBackoff() Option {
	return optionFunc(func(c *config) {
		c.backoff = nil
		c.noDefaultBackoff = true
	})
}

// WithMaxRetryAfter caps the Retry-After a server can ask for: a larger
// value (from a hostile or broken server) is replaced by d before any
// strategy sees it. d must be positive. Policy.MaxRetryAfter reports it.
// Default 5 minutes; repeating replaces.
func WithMaxRetryAfter(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid("retry.WithMaxRetryAfter", "must be positive, got %v", d)
			return
		}
		c.maxRetryAfter = d
	})
}

// WithDefer turns on defer mode: where a retry would sleep, the call stops
// instead with stop reason SCHEDULED and the delay it would have slept,
// for job queues that reschedule the work themselves. Every rule before the
// sleep still applies, the budget included. Default false; repeating
// replaces.
func WithDefer(on bool) Option {
	return optionFunc(func(c *config) { c.deferMode = on })
}
