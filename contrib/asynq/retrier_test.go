package redressasynq_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressasynq "github.com/redress-go/redress/contrib/asynq"
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

func testRetrier(t *testing.T, opts ...redress.Option) *redressasynq.Retrier {
	t.Helper()
	base := []redress.Option{
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithMaxAttempts(4),
			retry.WithBackoff(backoff.Exponential(time.Second, time.Hour)),
			retry.WithBackoffFor(classifier.RateLimit, retryAfterOrExponential)),
	}
	r := redressasynq.New(append(base, opts...)...)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

// outcome runs one delivery of a task whose handler returns handlerErr,
// outside an asynq server (the task's first attempt), and says what asynq
// is told to do with it.
func outcome(r *redressasynq.Retrier, handlerErr error) string {
	task := asynq.NewTask("redress:test", nil)
	err := r.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return handlerErr })).
		ProcessTask(context.Background(), task)
	var se *redress.StopError
	switch {
	case err == nil:
		return "completed"
	case errors.Is(err, asynq.SkipRetry) && errors.As(err, &se):
		return fmt.Sprintf("archived: %s after attempt %d", se.Reason, se.Attempts)
	case errors.As(err, &se):
		return fmt.Sprintf("%s, retry in %v, failure %v", se.Reason, r.RetryDelay(0, err, task), r.IsFailure(err))
	}
	return "failed: " + err.Error()
}

func TestMiddlewareOutcomes(t *testing.T) {
	tests := []struct {
		name string
		give error
		want string
	}{
		{"success", nil, "completed"},
		{"transient", classifier.MarkTransient(errUpstream), "SCHEDULED, retry in 1s, failure true"},
		{"server error", classifier.Mark(errUpstream, classifier.ServerError), "SCHEDULED, retry in 1s, failure true"},
		{"unknown", errUpstream, "SCHEDULED, retry in 1s, failure true"},
		{"permanent", classifier.MarkPermanent(errUpstream), "archived: NON_RETRYABLE_CLASS after attempt 1"},
		{"permission", classifier.Mark(errUpstream, classifier.Permission), "archived: NON_RETRYABLE_CLASS after attempt 1"},
		{"rate limit with Retry-After", classifier.MarkRateLimited(errUpstream, 30*time.Second), "SCHEDULED, retry in 30s, failure false"},
		{"rate limit without Retry-After", classifier.Mark(errUpstream, classifier.RateLimit), "SCHEDULED, retry in 1s, failure true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, outcome(testRetrier(t), tt.give)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestPerClassCap: a class the policy never retries is archived.
func TestPerClassCap(t *testing.T) {
	r := testRetrier(t, redress.WithRetry(retry.WithMaxAttemptsFor(classifier.Concurrency, 0)))
	got := outcome(r, classifier.Mark(errUpstream, classifier.Concurrency))
	if diff := cmp.Diff("archived: MAX_ATTEMPTS_PER_CLASS after attempt 1", got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestShedTasksSnooze: a task the policy sheds before its handler runs
// (here an open breaker) is retried after the policy's TRANSIENT delay
// and not counted as a failure.
func TestShedTasksSnooze(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	br := breaker.New(breaker.WithConsecutiveFailures(1), breaker.WithClock(clk))
	r := testRetrier(t, redress.WithClock(clk), redress.WithBreaker(br))
	got := []string{outcome(r, classifier.MarkTransient(errUpstream)), outcome(r, nil)}
	want := []string{"SCHEDULED, retry in 1s, failure true", "CIRCUIT_OPEN, retry in 1s, failure false"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestRetryDelayWithoutADecision: a run that decided no delay (a panic,
// the task's timeout) is retried after the policy's TRANSIENT delay for
// that attempt.
func TestRetryDelayWithoutADecision(t *testing.T) {
	r := testRetrier(t)
	task := asynq.NewTask("redress:test", nil)
	got := []time.Duration{
		r.RetryDelay(0, errors.New("panic: boom"), task),
		r.RetryDelay(2, context.DeadlineExceeded, task),
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 4 * time.Second}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if !r.IsFailure(errors.New("panic: boom")) || r.IsFailure(nil) {
		t.Error("IsFailure: a plain error is a failure, nil is not")
	}
}

func TestTaskContextEnded(t *testing.T) {
	r := testRetrier(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := r.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { ran = true; return nil })).
		ProcessTask(ctx, asynq.NewTask("redress:test", nil))
	if !errors.Is(err, context.Canceled) || errors.Is(err, asynq.SkipRetry) || ran {
		t.Errorf("ProcessTask = %v (ran %v), want context.Canceled, not SkipRetry, handler not run", err, ran)
	}
}

// TestHandlerKeepsTheTaskDeadline: the handler sees the task's deadline,
// while a delay longer than the time left is still scheduled.
func TestHandlerKeepsTheTaskDeadline(t *testing.T) {
	r := redressasynq.New(redress.WithRetry(retry.WithBackoff(backoff.Constant(time.Hour))))
	dl := time.Now().Add(time.Minute)
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	defer cancel()
	var got time.Time
	err := r.Middleware(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		got, _ = ctx.Deadline()
		return classifier.MarkTransient(errUpstream)
	})).ProcessTask(ctx, asynq.NewTask("redress:test", nil))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopScheduled || se.NextDelay != time.Hour {
		t.Errorf("ProcessTask = %v, want SCHEDULED in 1h", err)
	}
	if !got.Equal(dl) {
		t.Errorf("handler's deadline = %v, want %v", got, dl)
	}
}

func TestInvalidOptions(t *testing.T) {
	r := redressasynq.New(redress.WithRetry(retry.WithMaxAttempts(0)))
	if !errors.Is(r.Err(), redress.ErrInvalidConfig) {
		t.Fatalf("Err = %v, want ErrInvalidConfig", r.Err())
	}
	ran := false
	task := asynq.NewTask("redress:test", nil)
	err := r.Middleware(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { ran = true; return nil })).
		ProcessTask(context.Background(), task)
	if !errors.Is(err, redress.ErrInvalidConfig) || errors.Is(err, asynq.SkipRetry) || ran {
		t.Errorf("ProcessTask = %v (ran %v), want ErrInvalidConfig, not SkipRetry, handler not run", err, ran)
	}
	// asynq's default is n⁴ + 15 + rand(30)·(n+1) seconds.
	for n := range 5 {
		lo := time.Duration(n*n*n*n+15) * time.Second
		hi := lo + time.Duration(29*(n+1))*time.Second
		if got := r.RetryDelay(n, err, task); got < lo || got > hi {
			t.Errorf("RetryDelay(%d) = %v, want asynq's default, in [%v, %v]", n, got, lo, hi)
		}
	}
	if !r.IsFailure(err) {
		t.Error("IsFailure(invalid config) = false, want true")
	}
}
