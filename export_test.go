package redress

import (
	"context"

	"github.com/redress-go/redress/internal/testhooks"
)

// NoRetriesForTest exposes the test hook to the external tests.
func NoRetriesForTest(ctx context.Context) context.Context { return testhooks.WithNoRetries(ctx) }
