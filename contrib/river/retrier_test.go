package redressriver_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressriver "github.com/redress-go/redress/contrib/river"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var errUpstream = errors.New("upstream")

// retryAfterOrExponential waits the server's Retry-After exactly when there
// is one, else grows exponentially from 1 s.
var retryAfterOrExponential = backoff.Func(func(in backoff.Input) time.Duration {
	if in.Classification.RetryAfter > 0 {
		return in.Classification.RetryAfter
	}
	return backoff.Exponential(time.Second, time.Hour).Delay(in)
})

func testRetrier(t *testing.T, opts ...redress.Option) *redressriver.Retrier {
	t.Helper()
	base := []redress.Option{
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithMaxAttempts(4),
			retry.WithBackoff(backoff.Exponential(time.Second, time.Hour)),
			retry.WithBackoffFor(classifier.RateLimit, retryAfterOrExponential)),
	}
	r := redressriver.New(append(base, opts...)...)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// outcome runs one delivery of a job whose work returns workErr and says
// what River is told to do with it.
func outcome(r *redressriver.Retrier, job *rivertype.JobRow, workErr error) string {
	return describe(r, job, r.Work(context.Background(), job, func(context.Context) error { return workErr }))
}

// describe says what River is told to do with a job whose run returned err.
func describe(r *redressriver.Retrier, job *rivertype.JobRow, err error) string {
	var (
		cancel *river.JobCancelError
		snooze *river.JobSnoozeError
		se     *redress.StopError
	)
	switch {
	case err == nil:
		return "completed"
	case errors.As(err, &snooze):
		return fmt.Sprintf("snoozed %v", snooze.Duration)
	case errors.As(err, &cancel) && errors.As(err, &se):
		return fmt.Sprintf("cancelled %s after attempt %d", se.Reason, se.Attempts)
	case errors.As(err, &se):
		return fmt.Sprintf("%s, retry in %v", se.Reason, r.NextRetry(job).Sub(epoch))
	}
	return "failed: " + err.Error()
}

func TestWorkOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		attempt int
		max     int
		give    error
		want    string
	}{
		{"success", 1, 25, nil, "completed"},
		{"transient, first attempt", 1, 25, classifier.MarkTransient(errUpstream), "SCHEDULED, retry in 1s"},
		{"transient, growth goes on", 3, 25, classifier.MarkTransient(errUpstream), "SCHEDULED, retry in 4s"},
		{"transient, policy's last attempt", 4, 25, classifier.MarkTransient(errUpstream), "cancelled MAX_ATTEMPTS_GLOBAL after attempt 4"},
		{"permanent", 1, 25, classifier.MarkPermanent(errUpstream), "cancelled NON_RETRYABLE_CLASS after attempt 1"},
		{"auth", 2, 25, classifier.Mark(errUpstream, classifier.Auth), "cancelled NON_RETRYABLE_CLASS after attempt 2"},
		{"rate limit with Retry-After", 2, 25, classifier.MarkRateLimited(errUpstream, 30*time.Second), "snoozed 30s"},
		{"rate limit without Retry-After", 2, 25, classifier.Mark(errUpstream, classifier.RateLimit), "SCHEDULED, retry in 2s"},
		{"unknown, retried", 1, 25, errUpstream, "SCHEDULED, retry in 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRetrier(t)
			job := &rivertype.JobRow{ID: 7, Attempt: tt.attempt, MaxAttempts: tt.max}
			if diff := cmp.Diff(tt.want, outcome(r, job, tt.give)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestCapsAcrossDeliveries: one job redelivered until the policy's cap
// cancels it; each delivery's delay continues the sequence.
func TestCapsAcrossDeliveries(t *testing.T) {
	r := testRetrier(t)
	var got []string
	for attempt := 1; attempt <= 4; attempt++ {
		job := &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: 25}
		got = append(got, outcome(r, job, classifier.MarkTransient(errUpstream)))
	}
	want := []string{
		"SCHEDULED, retry in 1s",
		"SCHEDULED, retry in 2s",
		"SCHEDULED, retry in 4s",
		"cancelled MAX_ATTEMPTS_GLOBAL after attempt 4",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestShedJobsSnooze: a job the policy sheds before its work runs (here an
// open breaker) is snoozed for the policy's TRANSIENT delay of its attempt.
func TestShedJobsSnooze(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	br := breaker.New(breaker.WithConsecutiveFailures(1), breaker.WithClock(clk))
	r := testRetrier(t, redress.WithClock(clk), redress.WithBreaker(br))
	ran := 0
	work := func(context.Context) error { ran++; return classifier.MarkTransient(errUpstream) }
	var got []string
	for attempt := 1; attempt <= 3; attempt++ {
		job := &rivertype.JobRow{ID: 9, Attempt: attempt, MaxAttempts: 25}
		got = append(got, describe(r, job, r.Work(context.Background(), job, work)))
	}
	want := []string{"SCHEDULED, retry in 1s", "snoozed 2s", "snoozed 4s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if ran != 1 {
		t.Errorf("work ran %d times, want once (then the breaker is open)", ran)
	}
}

// TestBeyondThePolicysLastAttempt: River delivers a job again after the
// policy's last attempt when that attempt panicked or timed out; the job
// is cancelled without running.
func TestBeyondThePolicysLastAttempt(t *testing.T) {
	r := testRetrier(t)
	job := &rivertype.JobRow{ID: 5, Attempt: 5, MaxAttempts: 25}
	if diff := cmp.Diff(4*time.Second, r.NextRetry(&rivertype.JobRow{ID: 5, Attempt: 4, MaxAttempts: 25}).Sub(epoch)); diff != "" {
		t.Errorf("NextRetry after a timeout at the last attempt: (-want +got)\n%s", diff)
	}
	ran := false
	got := describe(r, job, r.Work(context.Background(), job, func(context.Context) error { ran = true; return nil }))
	if diff := cmp.Diff("cancelled MAX_ATTEMPTS_GLOBAL after attempt 4", got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if ran {
		t.Error("the work ran")
	}
}

// TestNextRetryWithoutADecision: a run that decided no delay (a panic,
// River's job timeout) is rescheduled with the policy's TRANSIENT delay
// for that attempt; a delay decided for another attempt is not used.
func TestNextRetryWithoutADecision(t *testing.T) {
	r := testRetrier(t)
	job := &rivertype.JobRow{ID: 3, Attempt: 3, MaxAttempts: 25}
	if diff := cmp.Diff(4*time.Second, r.NextRetry(job).Sub(epoch)); diff != "" {
		t.Errorf("no decision: (-want +got)\n%s", diff)
	}
	_ = outcome(r, &rivertype.JobRow{ID: 3, Attempt: 1, MaxAttempts: 25}, classifier.MarkTransient(errUpstream))
	if diff := cmp.Diff(4*time.Second, r.NextRetry(job).Sub(epoch)); diff != "" {
		t.Errorf("decision for attempt 1 asked at attempt 3: (-want +got)\n%s", diff)
	}
}

// TestJobContextEnded: a job whose context is done fails with the
// context's error, not cancelled, so River handles its own shutdown and
// timeouts.
func TestJobContextEnded(t *testing.T) {
	r := testRetrier(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := r.Work(ctx, &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 25}, func(context.Context) error {
		ran = true
		return nil
	})
	var jc *river.JobCancelError
	if !errors.Is(err, context.Canceled) || errors.As(err, &jc) || ran {
		t.Errorf("Work = %v (ran %v), want context.Canceled, not cancelled, work not run", err, ran)
	}
}

// TestWorkKeepsTheJobDeadline: the work sees River's job deadline, while
// a delay longer than the time left is still scheduled.
func TestWorkKeepsTheJobDeadline(t *testing.T) {
	r := redressriver.New(redress.WithRetry(retry.WithBackoff(backoff.Constant(time.Hour))))
	dl := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	defer cancel()
	var got time.Time
	err := r.Work(ctx, &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 25}, func(ctx context.Context) error {
		got, _ = ctx.Deadline()
		return classifier.MarkTransient(errUpstream)
	})
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopScheduled || se.NextDelay != time.Hour {
		t.Errorf("Work = %v, want SCHEDULED in 1h", err)
	}
	if !got.Equal(dl) {
		t.Errorf("work's deadline = %v, want %v", got, dl)
	}
}

func TestInvalidOptions(t *testing.T) {
	r := redressriver.New(redress.WithRetry(retry.WithMaxAttempts(0)))
	if !errors.Is(r.Err(), redress.ErrInvalidConfig) {
		t.Fatalf("Err = %v, want ErrInvalidConfig", r.Err())
	}
	ran := false
	job := &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 25}
	err := r.Work(context.Background(), job, func(context.Context) error { ran = true; return nil })
	var jc *river.JobCancelError
	if !errors.Is(err, redress.ErrInvalidConfig) || errors.As(err, &jc) || ran {
		t.Errorf("Work = %v (ran %v), want ErrInvalidConfig, not cancelled, work not run", err, ran)
	}
	before := time.Now()
	want := (&river.DefaultClientRetryPolicy{}).NextRetry(job)
	if got := r.NextRetry(job); got.Before(before) || got.Sub(want) > time.Second || want.Sub(got) > time.Second {
		t.Errorf("NextRetry = %v, want River's default, about %v", got, want)
	}
}

// TestStaleDelaysAreSwept: a delay River never asked for (an error
// handler cancelled the job) is dropped once it is old, and one asked for
// in time is kept.
func TestStaleDelaysAreSwept(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	r := testRetrier(t, redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoffFor(classifier.ServerError, backoff.Constant(7*time.Second))))
	fail := func(context.Context) error { return classifier.Mark(errUpstream, classifier.ServerError) }
	old := &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 25}
	_ = r.Work(context.Background(), old, fail)
	clk.Advance(2 * time.Minute)
	for id := int64(2); id <= 1024; id++ { // the 1024th store sweeps
		_ = r.Work(context.Background(), &rivertype.JobRow{ID: id, Attempt: 1, MaxAttempts: 25}, fail)
	}
	now := epoch.Add(2 * time.Minute)
	got := []time.Duration{
		r.NextRetry(old).Sub(now), // swept: the TRANSIENT delay of attempt 1
		r.NextRetry(&rivertype.JobRow{ID: 1024, Attempt: 1, MaxAttempts: 25}).Sub(now), // kept
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 7 * time.Second}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
