package redressotel_test

// The code of docs/observability.md for this module; internal/docsync's
// TestGuides finds the guide's blocks in this file.

import redressotel "github.com/redress-go/redress/contrib/otel"

import (
	"context"
	"testing"

	"github.com/redress-go/redress"
)

func TestObservabilityGuide(t *testing.T) {
	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redressotel.Telemetry(), // the global tracer and meter providers
	)
	if err := redress.Do(context.Background(), func(context.Context) error { return nil }, policy); err != nil {
		t.Fatal(err)
	}
}
