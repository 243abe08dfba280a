package guides_test

// The code of docs/adaptive.md, beside ExampleWithAdaptive in the root
// package.

import (
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/retry"
)

func TestAdaptiveGuidePolicy(t *testing.T) {
	ad := backoff.Adaptive(backoff.FullJitter(100*time.Millisecond, 5*time.Second))
	policy := redress.MustNew(
		redress.WithRetry(retry.WithBackoff(ad)),
		redress.WithAdaptive(ad),
	)
	if policy == nil {
		t.Fatal("MustNew returned nil")
	}
}

func TestAdaptiveGuideOptions(t *testing.T) {
	ad := backoff.Adaptive(backoff.Constant(100*time.Millisecond),
		backoff.WithThreshold(0.5), // rise only when fewer than half succeed
		backoff.WithMultiplier(3),  // tripling per failure
		backoff.WithMaxFactor(9))   // up to 9 times the base
	if err := ad.Err(); err != nil {
		t.Fatal(err)
	}
	base := backoff.Constant(100 * time.Millisecond)
	backoff.Adaptive(base, backoff.WithThreshold(0.6), backoff.WithMaxFactor(4))
	if err := backoff.Adaptive(base, backoff.WithThreshold(0.6), backoff.WithMaxFactor(4)).Err(); err != nil {
		t.Fatal(err)
	}
}
