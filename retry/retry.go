// Package retry is redress's retry decision engine: given what failed, how
// often, and how much time is left, it decides whether to try again and
// after how long.
//
// A Policy is built once by New from Options, is immutable and is safe for
// concurrent use. Each call keeps its own Tracker and asks Decide after
// every failure. The root package redress drives it inside Execute; the
// engine is exported so that other loops (a job queue's redelivery, say)
// can make the same decisions.
//
// Decide applies, in order, the rules 2 to 8 of the decision redress makes
// when an attempt fails: the per-class cap, the non-retryable classes,
// the UNKNOWN cap, the global cap, the strategy, the delay and the
// deadline (see Policy.Decide). The caller's cancellation (rule 1), the
// budget, the event and the sleep belong to the caller of Decide.
package retry

import (
	"errors"
	"math"
	"time"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
)

// StopReason says why a call stopped without success. The string values
// are shared with the Python library so that dashboards line up.
type StopReason string

// The stop reasons Decide returns.
const (
	StopMaxAttempts         StopReason = "MAX_ATTEMPTS_GLOBAL"
	StopMaxAttemptsForClass StopReason = "MAX_ATTEMPTS_PER_CLASS"
	StopDeadline            StopReason = "DEADLINE_EXCEEDED"
	StopMaxUnknownAttempts  StopReason = "MAX_UNKNOWN_ATTEMPTS"
	StopNonRetryable        StopReason = "NON_RETRYABLE_CLASS"
	StopNoStrategy          StopReason = "NO_STRATEGY"
)

// Forever is the time left for a call without a deadline.
const Forever = time.Duration(math.MaxInt64)

// Policy is a validated, immutable set of retry rules. It is safe for
// concurrent use.
type Policy struct {
	maxAttempts        int
	maxUnknownAttempts int
	maxRetryAfter      time.Duration
	perClassMax        [classifier.NumClasses]int
	strategies         [classifier.NumClasses]backoff.Strategy
	deferMode          bool
}

// New returns a Policy with the defaults (see the Default… constants)
// changed by opts. The error, if any, wraps ErrInvalidConfig and names
// every bad option.
//
// Every class without a strategy of its own (WithBackoffFor) uses the
// WithBackoff strategy, except RATE_LIMIT and SERVER_ERROR, which use
// backoff.RetryAfterOr of it: a 429, or a 503 that says when to come
// back, waits as the server asked (capped by WithMaxRetryAfter, plus at
// most backoff.RetryAfterJitter, so that a fleet told the same instant
// does not return in it), and otherwise backs off as the others do.
func New(opts ...Option) (*Policy, error) {
	c := config{
		maxAttempts:        DefaultMaxAttempts,
		maxUnknownAttempts: DefaultMaxUnknownAttempts,
		maxRetryAfter:      DefaultMaxRetryAfter,
	}
	for i := range c.perClassMax {
		c.perClassMax[i] = -1
	}
	for _, o := range opts {
		if o == nil {
			c.invalid("retry.Option", "option is nil")
			continue
		}
		o.apply(&c)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	if c.backoff == nil && !c.noDefaultBackoff {
		c.backoff = defaultBackoff
	}
	p := &Policy{
		maxAttempts:        c.maxAttempts,
		maxUnknownAttempts: c.maxUnknownAttempts,
		maxRetryAfter:      c.maxRetryAfter,
		perClassMax:        c.perClassMax,
		deferMode:          c.deferMode,
	}
	var serverPaced backoff.Strategy // RetryAfterOr(c.backoff), made once
	for i, s := range c.perClassBackoff {
		switch {
		case s != nil:
			p.strategies[i] = s
		case c.backoff == nil:
		case honoursRetryAfter(classifier.Class(i)):
			if serverPaced == nil {
				serverPaced = backoff.RetryAfterOr(c.backoff)
			}
			p.strategies[i] = serverPaced
		default:
			p.strategies[i] = c.backoff
		}
	}
	return p, nil
}

var defaultBackoff = backoff.DecorrelatedJitter(DefaultBackoffBase, DefaultBackoffMax)

// honoursRetryAfter reports whether class c's default strategy waits for a
// server's Retry-After: RATE_LIMIT (HTTP 429, RFC 6585 §4) and
// SERVER_ERROR (a 503, whose Retry-After RFC 9110 §10.2.3 defines as how
// long the service is expected to be unavailable).
func honoursRetryAfter(c classifier.Class) bool {
	return c == classifier.RateLimit || c == classifier.ServerError
}

// MaxAttempts returns the number of attempts the policy allows, the first
// included.
func (p *Policy) MaxAttempts() int { return p.maxAttempts }

// MaxRetryAfter returns the longest server Retry-After the policy honours
// (WithMaxRetryAfter, DefaultMaxRetryAfter by default): a longer one is
// replaced by it before any strategy sees it.
func (p *Policy) MaxRetryAfter() time.Duration { return p.maxRetryAfter }

// Deferred reports whether the policy is in defer mode (WithDefer).
func (p *Policy) Deferred() bool { return p.deferMode }

// Tracker is one call's memory of its failures. The zero value is ready for
// the first attempt. A Tracker belongs to one call and must not be shared.
type Tracker struct {
	perClass [classifier.NumClasses]int
	prev     time.Duration // the last delay a strategy computed itself
	limit    int           // attempts this call may make, if below the policy's; 0: no limit of its own
}

// LimitAttempts caps this call's attempts at n (the first included) when
// n is below the policy's own cap: rule 5 then stops the call after
// attempt n, before any delay is computed. n below 1 is taken as 1.
func (t *Tracker) LimitAttempts(n int) { t.limit = max(n, 1) }

// Decision is Decide's answer.
type Decision struct {
	// Retry reports whether to try again after Delay.
	Retry bool
	// Delay is how long to wait before the next attempt, never negative.
	Delay time.Duration
	// Reason says why not, when Retry is false.
	Reason StopReason
}

// Window is the time a call has left when Decide is asked.
type Window struct {
	// Deadline is the time left before the policy's own deadline, or
	// Forever. A delay that would end at or after it is not slept.
	Deadline time.Duration
	// Caller is the time left before the caller's context deadline, or
	// Forever. A delay that would end after it is not slept.
	Caller time.Duration
}

// NoDeadline is the Window of a call with no deadline at all.
var NoDeadline = Window{Deadline: Forever, Caller: Forever}

// Decide records that attempt n (1-based) failed with classification c and
// says whether to retry. It applies these rules in turn, numbered as in
// redress's decision order (rule 1, the caller's cancellation, is the
// caller's), and the first that fires decides:
//
//  2. failures of c's class exceed its cap (WithMaxAttemptsFor): stop,
//     MAX_ATTEMPTS_PER_CLASS;
//  3. the class is PERMANENT, AUTH or PERMISSION: stop,
//     NON_RETRYABLE_CLASS;
//  4. the class is UNKNOWN and UNKNOWN failures exceed
//     WithMaxUnknownAttempts: stop, MAX_UNKNOWN_ATTEMPTS;
//  5. n is the last attempt allowed: stop, MAX_ATTEMPTS_GLOBAL;
//  6. the class has no strategy: stop, NO_STRATEGY;
//  7. the delay: the class's strategy, given c with its RetryAfter capped
//     at MaxRetryAfter; a negative delay is 0;
//  8. a delay that would end at or after w.Deadline, or after w.Caller:
//     stop, DEADLINE_EXCEEDED, with that delay.
//
// A delay is computed only when every cap allows another attempt. The
// Tracker remembers the delay as the next Input.Prev, unless the strategy
// reports it as a server's wait (backoff.ServerAware).
func (p *Policy) Decide(t *Tracker, n int, c classifier.Classification, w Window) Decision {
	class := c.Class
	if !class.Valid() {
		class = classifier.Unknown
	}
	t.perClass[class]++
	failures := t.perClass[class]

	// Rule 2: the class's own cap.
	if limit := p.perClassMax[class]; limit >= 0 && failures > limit {
		return Decision{Reason: StopMaxAttemptsForClass}
	}
	// Rule 3: classes that are never retried.
	if !class.Retryable() {
		return Decision{Reason: StopNonRetryable}
	}
	// Rule 4: UNKNOWN failures have a cap of their own.
	if class == classifier.Unknown && failures > p.maxUnknownAttempts {
		return Decision{Reason: StopMaxUnknownAttempts}
	}
	// Rule 5: the global cap; nothing is computed for a retry that will
	// not happen.
	if n >= p.maxAttempts || (t.limit > 0 && n >= t.limit) {
		return Decision{Reason: StopMaxAttempts}
	}
	// Rule 6.
	s := p.strategies[class]
	if s == nil {
		return Decision{Reason: StopNoStrategy}
	}
	// Rule 7: the delay, with the server's Retry-After capped first.
	c.Class = class
	if c.RetryAfter > p.maxRetryAfter {
		c.RetryAfter = p.maxRetryAfter
	} else if c.RetryAfter < 0 {
		c.RetryAfter = 0
	}
	remaining := min(w.Deadline, w.Caller)
	d, fromServer := backoff.DelaySource(s, backoff.Input{Attempt: n, Classification: c, Prev: t.prev, Remaining: max(remaining, 0)})
	if d < 0 {
		d = 0
	}
	// Rule 8: never sleep into a certain timeout.
	if d >= w.Deadline || d > w.Caller {
		return Decision{Delay: d, Reason: StopDeadline}
	}
	// A wait the server set is not the strategy's own: the next delay
	// grows from the strategy's last one, not from the server's.
	if !fromServer {
		t.prev = d
	}
	return Decision{Retry: true, Delay: d}
}
