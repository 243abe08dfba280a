package redressriver_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// FuzzWork: whatever the job's attempt, River's cap, the class and the
// Retry-After, a run never panics, the work runs only within the policy's
// attempts, a class that is never retried cancels the job, a snooze is
// never negative and a rescheduled job is never due before now.
func FuzzWork(f *testing.F) {
	f.Add(1, 25, uint8(classifier.Transient), int64(0))
	f.Add(3, 25, uint8(classifier.Transient), int64(0))
	f.Add(4, 25, uint8(classifier.Transient), int64(0))
	f.Add(9, 25, uint8(classifier.Unknown), int64(0))
	f.Add(1, 25, uint8(classifier.Permanent), int64(0))
	f.Add(2, 25, uint8(classifier.RateLimit), int64(30_000))
	f.Add(2, 2, uint8(classifier.RateLimit), int64(-5))
	f.Add(0, 0, uint8(200), int64(1<<62))
	f.Fuzz(func(t *testing.T, attempt, maxAttempts int, class uint8, retryAfterMs int64) {
		r := testRetrier(t) // 4 attempts
		job := &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: maxAttempts}
		c := classifier.Class(class)
		ran := false
		err := r.Work(context.Background(), job, func(context.Context) error {
			ran = true
			return classifier.Mark(classifier.MarkRateLimited(errUpstream, time.Duration(retryAfterMs)*time.Millisecond), c)
		})
		if ran && max(attempt, 1) > 4 {
			t.Errorf("work ran at attempt %d, beyond the policy's 4", attempt)
		}
		var (
			cancel *river.JobCancelError
			snooze *river.JobSnoozeError
			se     *redress.StopError
		)
		switch {
		case err == nil:
			t.Errorf("a failing job completed")
		case c.Valid() && !c.Retryable() && !errors.As(err, &cancel):
			t.Errorf("class %v: %v, want cancelled", c, err)
		case errors.As(err, &snooze):
			if snooze.Duration < 0 {
				t.Errorf("snoozed %v", snooze.Duration)
			}
		case errors.As(err, &cancel):
		case errors.As(err, &se):
			if next := r.NextRetry(job); next.Before(epoch) {
				t.Errorf("NextRetry %v, before now %v", next, epoch)
			}
		default:
			t.Errorf("unexpected %v", err)
		}
	})
}
