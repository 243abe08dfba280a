package redressaws_test

import (
	"errors"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressaws "github.com/redress-go/redress/contrib/aws"
	"github.com/redress-go/redress/retry"
)

// FuzzRetryDelay checks the Retryer's answers for any attempt, class and
// server wait: RetryDelay never panics, gives a delay in [0, the cap] or
// a *redress.StopError that wraps the error, and refuses every class
// IsErrorRetryable refuses.
func FuzzRetryDelay(f *testing.F) {
	f.Add(1, uint8(classifier.RateLimit), int64(0), 2)
	f.Add(3, uint8(classifier.ServerError), int64(time.Hour), 0)
	f.Add(6, uint8(classifier.Unknown), int64(-1), 1)
	f.Add(2, uint8(classifier.Permanent), int64(time.Second), 3)
	f.Fuzz(func(t *testing.T, attempt int, class uint8, wait int64, perClass int) {
		if attempt < 1 || attempt > 50 || perClass < 0 || perClass > 10 {
			t.Skip()
		}
		c := classifier.Class(class % uint8(classifier.NumClasses))
		r := redressaws.NewRetryer(redress.WithRetry(
			retry.WithMaxAttempts(50),
			retry.WithMaxAttemptsFor(classifier.Concurrency, perClass),
		))
		opErr := classifier.MarkRateLimited(errors.New("scripted"), time.Duration(wait))
		opErr = classifier.Mark(opErr, c)
		d, err := r.RetryDelay(attempt, opErr)
		if err != nil {
			var se *redress.StopError
			if !errors.As(err, &se) || !errors.Is(err, opErr) || d != 0 {
				t.Fatalf("RetryDelay(%d, %v) = %v, %v", attempt, c, d, err)
			}
			return
		}
		if !r.IsErrorRetryable(opErr) {
			t.Fatalf("RetryDelay(%d, %v) = %v for an error IsErrorRetryable refuses", attempt, c, d)
		}
		limit := retry.DefaultBackoffMax + retry.DefaultMaxRetryAfter + backoff.RetryAfterJitter
		if d < 0 || d > limit {
			t.Fatalf("RetryDelay(%d, %v) = %v, want 0 to %v", attempt, c, d, limit)
		}
	})
}
