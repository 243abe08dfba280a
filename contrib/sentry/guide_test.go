package redresssentry_test

// The code of docs/observability.md for this module; internal/docsync's
// TestGuides finds the guide's blocks in this file.

import redresssentry "github.com/redress-go/redress/contrib/sentry"

import (
	"context"
	"testing"

	"github.com/redress-go/redress"
)

func TestObservabilityGuide(t *testing.T) {
	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(redresssentry.New(nil)), // the hub in ctx, else sentry.CurrentHub()
	)
	if err := redress.Do(context.Background(), func(context.Context) error { return nil }, policy); err != nil {
		t.Fatal(err)
	}
}
