// Package backoff computes how long to wait before the next attempt.
//
// A Strategy maps what is known about a failure (the attempt number, its
// classification with any Retry-After, the previous delay and the time
// left) to a delay. The built-in strategies are Constant, Exponential, the
// three jittered strategies of Marc Brooker's "Exponential Backoff And
// Jitter" (AWS Architecture Blog, 2015) — FullJitter, EqualJitter and
// DecorrelatedJitter — the Python library's Token backoff, and
// RetryAfterOr, which honours a server's Retry-After. Func turns a plain
// function into a Strategy, Capped bounds any strategy, and Adaptive
// stretches another strategy's delays while a dependency fails often.
//
// Every built-in strategy is safe for concurrent use, makes no allocation
// per delay, and never returns a negative delay nor one above its cap, for
// any Input: an attempt below 1 counts as 1, and a huge attempt saturates
// at the cap instead of overflowing. The jittered strategies draw from
// math/rand/v2's top-level functions unless WithSeed makes them
// reproducible.
//
// The constructors never fail and never panic on durations; they
// normalise instead: a negative base (or Constant delay) counts as 0, and
// a max below base counts as base, so Exponential(time.Second, 0) always
// waits one second. A base of 0 gives delays of 0.
//
// The built-in strategies ignore Input.Remaining: the retry policy itself
// stops, rather than sleeps, when a delay would outlast the deadline.
package backoff

import (
	"time"

	"github.com/redress-go/redress/classifier"
)

// Input is what a Strategy knows when it computes a delay.
type Input struct {
	// Attempt is the 1-based number of the attempt that just failed.
	Attempt int
	// Classification is the failure's classification. Its RetryAfter has
	// already been capped by the retry policy.
	Classification classifier.Classification
	// Prev is the strategy's own previous delay: the last delay of this
	// call that a strategy computed itself, or 0 before any.
	// DecorrelatedJitter grows from it. A wait set by a server's
	// Retry-After (one a ServerAware strategy reports as the server's)
	// does not count, so that one 429 asking for a long wait does not
	// inflate the backoffs that follow it.
	Prev time.Duration
	// Remaining is the time left before the call's deadline (the earlier
	// of the policy's deadline and the caller's context deadline), or the
	// largest Duration when the call has none.
	Remaining time.Duration
}

// Strategy computes the delay before the next attempt. Implementations
// must be safe for concurrent use, because one strategy usually serves
// every call of a shared policy; they should not block, because Delay is
// called on the retry path. A negative result is treated as 0.
type Strategy interface {
	// Delay returns how long to wait before the attempt after in.Attempt.
	Delay(in Input) time.Duration
}

// Func adapts a plain function to the Strategy interface. The function
// must be safe for concurrent use.
type Func func(in Input) time.Duration

// Delay calls f(in).
func (f Func) Delay(in Input) time.Duration { return f(in) }

// ServerAware is implemented by a strategy that sometimes waits as a
// server asked (its Retry-After) rather than by a rule of its own, such as
// RetryAfterOr's, and by wrappers that pass the answer on (Capped,
// AdaptiveStrategy). The retry policy asks it so that Input.Prev stays the
// strategy's own previous delay: a wait the server set does not feed the
// growth of DecorrelatedJitter. A strategy that does not implement it is
// taken to compute every delay itself.
type ServerAware interface {
	Strategy
	// DelaySource returns what Delay(in) returns, and reports whether
	// that delay is the server's Retry-After (with any jitter added)
	// rather than one the strategy computed.
	DelaySource(in Input) (d time.Duration, fromServer bool)
}

// DelaySource returns s's delay for in, and whether it is a wait a server
// asked for: s.DelaySource(in) when s is ServerAware, else s.Delay(in)
// and false.
func DelaySource(s Strategy, in Input) (time.Duration, bool) {
	if sa, ok := s.(ServerAware); ok {
		return sa.DelaySource(in)
	}
	return s.Delay(in), false
}

// Capped returns a strategy that keeps s's delays within [0, max]: a
// longer delay becomes max and a negative one 0. It is a way to bound a
// strategy written with Func. A negative max counts as 0. Capped panics if
// s is nil.
func Capped(s Strategy, max time.Duration) Strategy {
	if s == nil {
		panic("backoff: Capped with a nil strategy")
	}
	if max < 0 {
		max = 0
	}
	return capped{s: s, max: max}
}

type capped struct {
	s   Strategy
	max time.Duration
}

var _ ServerAware = capped{}

func (c capped) Delay(in Input) time.Duration {
	return min(c.max, max(c.s.Delay(in), 0))
}

// DelaySource passes on whether the capped strategy's delay is the
// server's.
func (c capped) DelaySource(in Input) (time.Duration, bool) {
	d, server := DelaySource(c.s, in)
	return min(c.max, max(d, 0)), server
}
