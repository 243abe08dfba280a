package redressdatadog_test

// The code of docs/observability.md for this module; internal/docsync's
// TestGuides finds the guide's blocks in this file.

import (
	"context"
	"testing"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/redress-go/redress"
	redressdatadog "github.com/redress-go/redress/contrib/datadog"
)

// callWithMetrics makes one call whose metrics go to the local agent.
func callWithMetrics(ctx context.Context) error {
	client, err := statsd.New("127.0.0.1:8125")
	if err != nil {
		return err
	}
	defer client.Close()

	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(redressdatadog.New(client, redressdatadog.WithTags("team:identity"))),
	)
	return redress.Do(ctx, func(context.Context) error { return nil }, policy)
}

func TestObservabilityGuide(t *testing.T) {
	// UDP needs no agent listening: the metrics are sent and lost.
	if err := callWithMetrics(context.Background()); err != nil {
		t.Fatal(err)
	}
}
