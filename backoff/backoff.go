// Package backoff computes how long to wait before the next attempt.
//
// A Strategy maps what is known about a failure (the attempt number, its
// classification with any Retry-After, the previous delay and the time
// left) to a delay. The built-in strategies are the ones of Marc Brooker's
// "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), the
// Python library's token backoff, and RetryAfterOr, which honours a
// server's Retry-After. Every strategy is safe for concurrent use, never
// returns a negative delay nor one above its cap, and can be made
// reproducible with WithSeed.
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
	// Prev is the delay before the attempt that just failed, 0 after the
	// first attempt.
	Prev time.Duration
	// Remaining is the time left before the call's deadline (the earlier
	// of the policy's deadline and the caller's context deadline), or the
	// largest Duration when the call has none.
	Remaining time.Duration
}

// Strategy computes the delay before the next attempt. Implementations
// must be safe for concurrent use. A negative result is treated as 0.
type Strategy interface {
	Delay(in Input) time.Duration
}

// Func adapts a plain function to the Strategy interface.
type Func func(in Input) time.Duration

// Delay calls f(in).
func (f Func) Delay(in Input) time.Duration { return f(in) }
