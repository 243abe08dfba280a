package benchmarks_test

// The "before" of docs/migrating.md for avast/retry-go v4, whose package
// name is the same as redress's retry.

import (
	"context"
	"time"

	"github.com/avast/retry-go/v4"
)

// pingClient fails Ping with its errors in turn, then succeeds.
type pingClient struct {
	errs  []error
	calls int
}

func (c *pingClient) Ping(context.Context) error {
	c.calls++
	if len(c.errs) > 0 {
		err := c.errs[0]
		c.errs = c.errs[1:]
		return err
	}
	return nil
}

func pingRetryGo(ctx context.Context, client *pingClient) error {
	// before
	err := retry.Do(func() error { return client.Ping(ctx) },
		retry.Attempts(3), retry.Delay(100*time.Millisecond), retry.Context(ctx))
	return err
}
