package bulkhead

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// ErrInvalidConfig is wrapped by the error of a bulkhead made with invalid
// arguments or options. See Bulkhead.Err.
var ErrInvalidConfig = errors.New("bulkhead: invalid configuration")

// Option configures a Bulkhead made by New.
type Option interface {
	apply(*config)
}

// optionFunc adapts a function to the Option interface.
type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is a bulkhead's configuration, fixed once New returns.
type config struct {
	maxWait time.Duration
	clock   clock.Clock
	errs    []error
}

// invalid records that name was given an invalid value.
func (c *config) invalid(name, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: %s: %s", ErrInvalidConfig, name, fmt.Sprintf(format, args...)))
}

// WithMaxWait sets how long Acquire waits for a slot when every slot is
// taken, before it gives up with ErrFull. Waiting callers are served in
// the order they arrived. d must not be negative. The default is 0: never
// wait, fail at once; repeating it replaces the earlier value.
func WithMaxWait(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.invalid(fmt.Sprintf("WithMaxWait(%v)", d), "the maximum wait must not be negative")
			return
		}
		c.maxWait = d
	})
}

// WithClock sets the clock on which Acquire measures the maximum wait, so
// that tests can drive it with a fake clock (see package redresstest). c
// must not be nil. The default is the real clock; repeating it replaces
// the earlier value.
func WithClock(c clock.Clock) Option {
	return optionFunc(func(cfg *config) {
		if c == nil {
			cfg.invalid("WithClock(nil)", "the clock is nil")
			return
		}
		cfg.clock = c
	})
}
