// Package testhooks carries the switches that package redresstest sets on
// a context and package redress honours in every Execute. They live here,
// not in redress's exported API, because only tests should turn them on.
package testhooks

import "context"

type noRetriesKey struct{}

// WithNoRetries returns a context under which every Execute makes one
// attempt only: a failure stops the call as MAX_ATTEMPTS_GLOBAL.
func WithNoRetries(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetriesKey{}, true)
}

// NoRetries reports whether ctx carries WithNoRetries.
func NoRetries(ctx context.Context) bool {
	on, _ := ctx.Value(noRetriesKey{}).(bool)
	return on
}
