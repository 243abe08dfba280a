package redressgrpc_test

// The bulkhead and throttle of the core, made in one place, so that the
// tests follow the core's constructors wherever they live.

import (
	"time"

	"github.com/redress-go/redress"
)

// bulkheadOf returns a policy option with a bulkhead of n slots that
// never waits for one.
func bulkheadOf(n int) redress.Option {
	return redress.WithBulkhead(redress.NewBulkhead(n, 0))
}

// eagerThrottle returns a policy option with a throttle that starts
// rejecting as soon as the backend stops accepting, on a fixed seed.
func eagerThrottle() redress.Option {
	return redress.WithThrottle(redress.NewThrottle(redress.ThrottleConfig{K: 1, Window: time.Minute, Seed: 1}))
}
