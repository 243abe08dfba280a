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

// mode is the rule by which a closed breaker decides to open.
type mode uint8

const (
	modeCount       mode = iota // failures counted in the window (WithFailureThreshold)
	modeRate                    // the failure rate in the window (WithFailureRate)
	modeConsecutive             // failures in a row (WithConsecutiveFailures)
)

// maxConsecutive is the largest run of failures the breaker counts (see
// run.go); WithConsecutiveFailures accepts no more.
const maxConsecutive = 1<<32 - 1

// defaultMaxProbeWait is how long a probe slot may be held, by default,
// before it is reclaimed (see WithMaxProbeWait).
const defaultMaxProbeWait = 5 * time.Minute

// config is a breaker's configuration. It is immutable once New returns.
type config struct {
	mode           mode
	threshold      int64
	window         time.Duration
	recovery       time.Duration
	probes         int64
	successes      int64 // probe successes needed to close; 0: as many as probes
	maxProbeWait   time.Duration
	tripOn         [classifier.NumClasses]bool
	classThreshold [classifier.NumClasses]int64 // 0: no threshold of its own
	rate           float64                      // the ratio of the failure-rate mode
	minCalls       int64
	consecutive    int64 // the run of the consecutive-failures mode
	clock          clock.Clock
	listeners      []func(from, to State)
	errs           []error
}

func defaultConfig() config {
	c := config{
		threshold:    5,
		window:       time.Minute,
		recovery:     30 * time.Second,
		probes:       1,
		maxProbeWait: defaultMaxProbeWait,
		clock:        clock.Real,
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
// WithTripOn, and panics, count. n must be at least 1. It sets the
// threshold of the default mode and does not choose a mode: it has no
// effect in the failure-rate mode (see WithFailureRate) or the
// consecutive-failures mode (see WithConsecutiveFailures), whichever order
// the options are given in. The default is 5; repeating it replaces the
// earlier value.
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
// so its own threshold is useful when it is lower. Class thresholds apply
// in every mode, and are always counted in the window, also in the
// consecutive-failures mode. n must be at least 1.
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
// at least 1. By default the breaker counts failures instead. Of
// WithFailureRate and WithConsecutiveFailures the last given wins;
// repeating it replaces the earlier values.
func WithFailureRate(ratio float64, minCalls int) Option {
	return optionFunc(func(c *config) {
		name := fmt.Sprintf("WithFailureRate(%v, %d)", ratio, minCalls)
		switch {
		case !(ratio > 0 && ratio <= 1):
			c.invalid(name, "the ratio must be in (0, 1]")
		case minCalls < 1:
			c.invalid(name, "minCalls must be at least 1")
		default:
			c.mode, c.rate, c.minCalls = modeRate, ratio, int64(minCalls)
		}
	})
}

// WithConsecutiveFailures switches the breaker from counting failures in
// the window to counting failures in a row: it opens once n calls in a row
// have failed. Failures count as for WithFailureThreshold (a class in
// WithTripOn, or a panic); any other recorded outcome but Cancelled, a
// failure of another class included, means the dependency answered and
// ends the run, and a cancelled call neither adds to the run nor ends it.
// WithFailureThreshold is not used in this mode; class thresholds (see
// WithClassThreshold) still apply, counted in the window as in the other
// modes. The run starts again at 0 whenever the breaker closes. Like the
// default mode, this one reads the clock only for failures. n must be
// between 1 and 4294967295. By default the breaker counts failures in the
// window instead. Of WithFailureRate and WithConsecutiveFailures the last
// given wins; repeating it replaces the earlier value.
func WithConsecutiveFailures(n int) Option {
	return optionFunc(func(c *config) {
		name := fmt.Sprintf("WithConsecutiveFailures(%d)", n)
		switch {
		case n < 1:
			c.invalid(name, "n must be at least 1")
		case uint64(n) > maxConsecutive:
			c.invalid(name, "n must be at most %d", uint64(maxConsecutive))
		default:
			c.mode, c.consecutive = modeConsecutive, int64(n)
		}
	})
}

// WithHalfOpenProbes sets how many probe calls the half-open breaker lets
// through at once. Further calls are rejected while the probes are out; a
// cancelled or reclaimed probe (see WithMaxProbeWait) frees its slot for
// another call. One failed probe opens the breaker again. Unless
// WithSuccessThreshold says otherwise, all n probes must succeed for the
// breaker to close, and it lets no more than n through in one half-open
// period (besides those that replace cancelled or reclaimed ones). n must
// be at least 1. The default is 1; repeating it replaces the earlier
// value.
func WithHalfOpenProbes(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.invalid(fmt.Sprintf("WithHalfOpenProbes(%d)", n), "n must be at least 1")
			return
		}
		c.probes = int64(n)
	})
}

// WithSuccessThreshold sets how many probes must succeed for the half-open
// breaker to close; one failed probe still opens it again. It is apart
// from WithHalfOpenProbes, which says how many probes may be out at once:
//
//   - n equal to the probes (the default) is the breaker's behaviour
//     without this option: the probes are let through, and all of them
//     must succeed.
//   - n above the probes: a probe that succeeds frees its slot for the next
//     one, so that at most the probes are out at once and n succeed in
//     turn. No more probes are let through than n still needs.
//   - n below the probes: the probes are let through at once, and the
//     breaker closes on the n-th success; the outcomes of the probes still
//     out then are ignored.
//
// n must be at least 1. The default is the number of probes; repeating it
// replaces the earlier value.
func WithSuccessThreshold(n int) Option {
	return optionFunc(func(c *config) {
		if n < 1 {
			c.invalid(fmt.Sprintf("WithSuccessThreshold(%d)", n), "n must be at least 1")
			return
		}
		c.successes = int64(n)
	})
}

// WithMaxProbeWait sets the longest a half-open breaker waits on its
// probes: once d has passed without a probe being let through or
// reporting back while probes are out, and every probe slot is taken, the
// slots are reclaimed and the next call is let through as a new probe. The
// probes that were out are forgotten: their outcomes, if they ever come,
// are ignored as stale. It is what keeps a lost ticket (a probe whose
// outcome never reaches Record) from keeping the breaker half-open for
// ever. No probe is reclaimed before it has been out for d. Like the rest
// of the breaker it is decided when asked, on the breaker's clock, with no
// goroutine or timer.
//
// Choose d longer than a call can take: a probe still running after d is
// forgotten, and a dependency whose every call takes longer never gets
// the breaker closed. d of 0 turns reclaiming off (a lost ticket then
// keeps the breaker half-open until Reset, ForceOpen or OpenFor); d must
// not be negative. The default is 5 minutes, longer than any call under
// redress's default 60 s deadline; repeating it replaces the earlier
// value.
func WithMaxProbeWait(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d < 0 {
			c.invalid(fmt.Sprintf("WithMaxProbeWait(%v)", d), "d must not be negative (0 turns reclaiming off)")
			return
		}
		c.maxProbeWait = d
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
// goroutine that caused the change (in Allow, Record, ForceOpen, Reset,
// OpenFor or AddFailures) after the breaker has released its locks, so a
// listener may call any method of the breaker. Listeners of changes that happen at the same
// moment on different goroutines may run concurrently and out of order. A
// listener should be quick: the call that caused the change waits for it.
// A listener that panics panics that call, after the change was made, and
// the listeners after it are not called for that change. By default there
// are no listeners; repeating it adds a listener, called after those given
// before it (the same function given twice is called twice).
func WithOnStateChange(f func(from, to State)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.invalid("WithOnStateChange(nil)", "the listener must not be nil")
			return
		}
		c.listeners = append(c.listeners, f)
	})
}
