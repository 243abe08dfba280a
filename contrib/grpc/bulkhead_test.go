package redressgrpc_test

// The bulkhead and throttle of the core, made in one place.

import (
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/throttle"
)

// bulkheadOf returns a policy option with a bulkhead of n slots that
// never waits for one.
func bulkheadOf(n int) redress.Option {
	return redress.WithBulkhead(bulkhead.New(n))
}

// eagerThrottle returns a policy option with a throttle that starts
// rejecting as soon as the backend stops accepting, on a fixed seed (the
// SRE book's formula, padded by 1, so that one failure is enough).
func eagerThrottle() redress.Option {
	return redress.WithThrottle(throttle.New(throttle.WithK(1), throttle.WithPadding(1),
		throttle.WithWindow(time.Minute), throttle.WithSeed(1)))
}
