// Package backoff computes how long to wait before the next attempt.
//
// A Strategy maps what is known about a failure (the attempt number, its
// classification with any Retry-After, the previous delay and the time
// left) to a delay. The built-in strategies are Constant, Exponential, the
// three jittered strategies of Marc Brooker's "Exponential Backoff And
// Jitter" (AWS Architecture Blog, 2015) — FullJitter, EqualJitter and
// DecorrelatedJitter — the Python library's Token backoff, and
// RetryAfterOr, which honours a server's Retry-After. Func turns a plain
// function into a Strategy, and Capped bounds any strategy.
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
	// Prev is the delay waited before the attempt that just failed, or 0
	// when that was the first attempt. DecorrelatedJitter grows from it.
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

func (c capped) Delay(in Input) time.Duration {
	return min(c.max, max(c.s.Delay(in), 0))
}
