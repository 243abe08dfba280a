package redressasynq_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/redress-go/redress/classifier"
)

// FuzzRetryDelay: whatever the class, the Retry-After and asynq's retry
// count, a run never panics, a class that is never retried is archived,
// and the delay asynq is given is never negative; a run that is not a
// failure (rate limited with a Retry-After) always waits.
func FuzzRetryDelay(f *testing.F) {
	f.Add(0, uint8(classifier.Transient), int64(0))
	f.Add(3, uint8(classifier.Transient), int64(0))
	f.Add(0, uint8(classifier.Permanent), int64(0))
	f.Add(1, uint8(classifier.RateLimit), int64(30_000))
	f.Add(-1, uint8(classifier.RateLimit), int64(-5))
	f.Add(1<<40, uint8(200), int64(1<<62))
	f.Fuzz(func(t *testing.T, n int, class uint8, retryAfterMs int64) {
		r := testRetrier(t)
		c := classifier.Class(class)
		task := asynq.NewTask("redress:fuzz", nil)
		err := r.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
			return classifier.Mark(classifier.MarkRateLimited(errUpstream, time.Duration(retryAfterMs)*time.Millisecond), c)
		})).ProcessTask(context.Background(), task)
		if err == nil {
			t.Fatal("a failing task completed")
		}
		if c.Valid() && !c.Retryable() && !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("class %v: %v, want archived", c, err)
		}
		if errors.Is(err, asynq.SkipRetry) {
			return // asynq asks for no delay
		}
		d := r.RetryDelay(n, err, task)
		if d < 0 || (!r.IsFailure(err) && d == 0) {
			t.Errorf("RetryDelay(%d) = %v, failure %v", n, d, r.IsFailure(err))
		}
		if d := r.RetryDelay(n, errors.New("panic"), task); d < 0 {
			t.Errorf("RetryDelay(%d, panic) = %v", n, d)
		}
	})
}
