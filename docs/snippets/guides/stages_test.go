package guides_test

// Single options shown in docs/hedging.md, docs/custom-pipelines.md,
// docs/bulkhead.md and docs/pipeline.md, each validated by redress.New.

import (
	"context"
	"log"
	"testing"
	"time"

	"github.com/redress-go/redress"
)

func TestGuideOptionsAreValid(t *testing.T) {
	hedging :=
		redress.WithHedging(80*time.Millisecond, 2) // hedge after 80 ms, at most 2 hedges per attempt
	breakerPerAttempt :=
		redress.WithOrder(redress.StageRetry, redress.StageBreaker)
	bulkheadFirst :=
		redress.WithOrder(redress.StageBulkhead, redress.StageBreaker, redress.StageRetry)
	timing :=
		redress.WithMiddleware(func(next redress.Handler) redress.Handler {
			return func(ctx context.Context, a *redress.Attempt) error {
				start := time.Now()
				err := next(ctx, a) // runs the attempt (timeout stage and operation)
				log.Printf("%s attempt %d took %v: %v", a.Operation, a.Number, time.Since(start), err)
				return err
			}
		})
	for name, opt := range map[string]redress.Option{
		"hedging":           hedging,
		"breakerPerAttempt": breakerPerAttempt,
		"bulkheadFirst":     bulkheadFirst,
		"timing":            timing,
	} {
		if _, err := redress.New(opt); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
