package redress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var (
	errTransient = classifier.MarkTransient(errors.New("connection reset"))
	errPermanent = classifier.MarkPermanent(errors.New("bad request"))
	errUnknown   = errors.New("something odd")
)

func TestExecuteSucceedsFirstTime(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	rec := &events{}
	op, calls := script("ok")
	got, err := redress.Execute(context.Background(), op, redress.WithClock(clk), redress.WithObserver(rec))
	if err != nil || got != "ok" {
		t.Fatalf("Execute = %q, %v; want ok, nil", got, err)
	}
	if *calls != 1 {
		t.Errorf("op called %d times, want 1", *calls)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventSuccess}, rec.names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(clk.Sleeps()) != 0 {
		t.Errorf("slept %v, want no sleep", clk.Sleeps())
	}
}

// TestDecisionOrder drives Execute through each rule of the decision order
// on the auto clock.
func TestDecisionOrder(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name       string
		opts       []redress.Option
		errs       []error
		wantErr    error // nil: the call succeeds
		wantReason redress.StopReason
		wantCalls  int
		wantSleeps []time.Duration
		wantEvents []redress.EventName
	}{
		{
			name:       "retries TRANSIENT then succeeds",
			errs:       []error{errTransient, errTransient},
			wantCalls:  3,
			wantSleeps: []time.Duration{100 * ms, 200 * ms},
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventSuccess},
		},
		{
			name:       "rule 2: per-class cap",
			opts:       []redress.Option{redress.WithRetry(retry.WithMaxAttemptsFor(classifier.Transient, 1))},
			errs:       []error{errTransient, errTransient, errTransient},
			wantErr:    errTransient,
			wantReason: redress.StopMaxAttemptsForClass,
			wantCalls:  2,
			wantSleeps: []time.Duration{100 * ms},
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventMaxAttemptsExceeded},
		},
		{
			name:       "rule 3: PERMANENT is not retried",
			errs:       []error{errTransient, errPermanent},
			wantErr:    errPermanent,
			wantReason: redress.StopNonRetryable,
			wantCalls:  2,
			wantSleeps: []time.Duration{100 * ms},
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventPermanentFail},
		},
		{
			name:       "rule 4: UNKNOWN is retried twice by default",
			errs:       []error{errUnknown, errUnknown, errUnknown},
			wantErr:    errUnknown,
			wantReason: redress.StopMaxUnknownAttempts,
			wantCalls:  3,
			wantSleeps: []time.Duration{100 * ms, 200 * ms},
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventMaxUnknownAttemptsExceeded},
		},
		{
			name:       "rule 5: the last attempt neither sleeps nor emits retry",
			opts:       []redress.Option{redress.WithRetry(retry.WithMaxAttempts(3))},
			errs:       []error{errTransient, errTransient, errTransient, errTransient},
			wantErr:    errTransient,
			wantReason: redress.StopMaxAttempts,
			wantCalls:  3,
			wantSleeps: []time.Duration{100 * ms, 200 * ms},
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventMaxAttemptsExceeded},
		},
		{
			name:       "default is six attempts",
			errs:       []error{errTransient, errTransient, errTransient, errTransient, errTransient, errTransient, errTransient},
			wantErr:    errTransient,
			wantReason: redress.StopMaxAttempts,
			wantCalls:  6,
			wantSleeps: []time.Duration{100 * ms, 200 * ms, 300 * ms, 300 * ms, 300 * ms},
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventRetry, redress.EventRetry, redress.EventRetry, redress.EventMaxAttemptsExceeded},
		},
		{
			name:       "rule 6: no strategy for the class",
			opts:       []redress.Option{redress.WithRetry(retry.WithoutDefaultBackoff())},
			errs:       []error{errTransient},
			wantErr:    errTransient,
			wantReason: redress.StopNoStrategy,
			wantCalls:  1,
			wantEvents: []redress.EventName{redress.EventNoStrategy},
		},
		{
			name:       "rule 8: no sleep that would end at the deadline",
			opts:       []redress.Option{redress.WithDeadline(300 * ms)},
			errs:       []error{errTransient, errTransient},
			wantErr:    errTransient,
			wantReason: redress.StopDeadline,
			wantCalls:  2,
			wantSleeps: []time.Duration{100 * ms}, // 100 + 200 would end at 300
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventDeadlineExceeded},
		},
		{
			name:       "rule 10: defer mode schedules instead of sleeping",
			opts:       []redress.Option{redress.WithRetry(retry.WithDefer(true))},
			errs:       []error{errTransient},
			wantErr:    errTransient,
			wantReason: redress.StopScheduled,
			wantCalls:  1,
			wantEvents: []redress.EventName{redress.EventRetry, redress.EventScheduled},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := redresstest.NewAutoClock(epoch)
			rec := &events{}
			opts := append([]redress.Option{
				redress.WithClock(clk),
				redress.WithObserver(rec),
				redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*ms, 200*ms, 300*ms))),
			}, tt.opts...)
			op, calls := script(42, tt.errs...)
			got, err := redress.Execute(context.Background(), op, opts...)
			if tt.wantErr == nil {
				if err != nil || got != 42 {
					t.Fatalf("Execute = %v, %v; want 42, nil", got, err)
				}
			} else {
				var se *redress.StopError
				if !errors.As(err, &se) {
					t.Fatalf("Execute error %v is not a *StopError", err)
				}
				if se.Reason != tt.wantReason {
					t.Errorf("Reason = %s, want %s", se.Reason, tt.wantReason)
				}
				if se.Attempts != tt.wantCalls {
					t.Errorf("Attempts = %d, want %d", se.Attempts, tt.wantCalls)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("errors.Is(%v, %v) = false", err, tt.wantErr)
				}
			}
			if *calls != tt.wantCalls {
				t.Errorf("op called %d times, want %d", *calls, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantSleeps, clk.Sleeps(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEvents, rec.names()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStopErrorFields(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	op, _ := script(0, errTransient, errTransient, errTransient)
	_, err := redress.Execute(context.Background(), op,
		redress.WithClock(clk),
		redress.WithOperation("users.get"),
		redress.WithRetry(retry.WithMaxAttempts(3), retry.WithBackoff(backoff.Constant(time.Second))))
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *StopError", err)
	}
	want := redress.StopError{
		Reason:    redress.StopMaxAttempts,
		Operation: "users.get",
		Attempts:  3,
		LastClass: classifier.Transient,
		Elapsed:   2 * time.Second,
		Err:       errTransient,
	}
	if diff := cmp.Diff(want, *se, cmpopts.IgnoreUnexported(redress.StopError{}), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("StopError (-want +got):\n%s", diff)
	}
	wantMsg := "redress: users.get: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (TRANSIENT): connection reset"
	if err.Error() != wantMsg {
		t.Errorf("Error() = %q, want %q", err.Error(), wantMsg)
	}
}

func TestScheduledStopCarriesNextDelay(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	op, _ := script(0, errTransient)
	_, err := redress.Execute(context.Background(), op, redress.WithClock(clk),
		redress.WithRetry(retry.WithDefer(true), retry.WithBackoff(backoff.Constant(7*time.Second))))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopScheduled || se.NextDelay != 7*time.Second {
		t.Fatalf("error = %#v, want SCHEDULED with NextDelay 7s", err)
	}
	if !clk.Now().Equal(epoch) {
		t.Errorf("clock moved to %v: defer mode slept", clk.Now())
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	op, _ := script("ok", classifier.MarkRateLimited(errors.New("429"), 3*time.Second))
	rec := &events{}
	_, err := redress.Execute(context.Background(), op, redress.WithClock(clk), redress.WithObserver(rec))
	if err != nil {
		t.Fatal(err)
	}
	sleeps := clk.Sleeps()
	if len(sleeps) != 1 || sleeps[0] < 3*time.Second || sleeps[0] > 3*time.Second+backoff.RetryAfterJitter {
		t.Errorf("sleeps = %v, want one of 3s plus at most %v", sleeps, backoff.RetryAfterJitter)
	}
	if e := rec.all()[0]; e.RetryAfter != 3*time.Second || e.Class != classifier.RateLimit {
		t.Errorf("retry event = %+v, want RATE_LIMIT with RetryAfter 3s", e)
	}
}

func TestCallerCancellationIsNeverRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := redresstest.NewAutoClock(epoch)
	rec := &events{}
	calls := 0
	_, err := redress.Execute(ctx, func(ctx context.Context) (int, error) {
		calls++
		cancel()
		return 0, ctx.Err()
	}, redress.WithClock(clk), redress.WithObserver(rec))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopAborted {
		t.Fatalf("error = %v, want ABORTED", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
	}
	if calls != 1 {
		t.Errorf("op called %d times, want 1", calls)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventAborted}, rec.names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestCancellationEndsSleepAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := redresstest.NewClock(epoch)
	done := make(chan error)
	go func() {
		_, err := redress.Execute(ctx, func(context.Context) (int, error) { return 0, errTransient },
			redress.WithClock(clk), redress.WithRetry(retry.WithBackoff(backoff.Constant(10*time.Second))))
		done <- err
	}()
	clk.WaitForSleepers(1)
	cancel()
	err := <-done
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopAborted || se.Attempts != 1 {
		t.Fatalf("error = %v, want ABORTED after 1 attempt", err)
	}
	if !errors.Is(err, errTransient) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v should match both the last error and context.Canceled", err)
	}
}

func TestObserverPanicDoesNotChangeResult(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	rec := &events{}
	op, calls := script("ok", errTransient)
	got, err := redress.Execute(context.Background(), op,
		redress.WithClock(clk),
		redress.WithObserver(redress.ObserverFunc(func(context.Context, redress.Event) { panic("observer bug") })),
		redress.WithObserver(rec))
	if err != nil || got != "ok" || *calls != 2 {
		t.Fatalf("Execute = %q, %v after %d calls; want ok, nil after 2", got, err, *calls)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventRetry, redress.EventSuccess}, rec.names()); diff != "" {
		t.Errorf("second observer's events (-want +got):\n%s", diff)
	}
}

func TestDo(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	calls := 0
	err := redress.Do(context.Background(), func(context.Context) error {
		calls++
		if calls < 2 {
			return errTransient
		}
		return nil
	}, redress.WithClock(clk))
	if err != nil || calls != 2 {
		t.Fatalf("Do = %v after %d calls, want nil after 2", err, calls)
	}
}

func TestResultClassifier(t *testing.T) {
	type response struct{ status int }
	clk := redresstest.NewAutoClock(epoch)
	statuses := []int{503, 503, 200}
	calls := 0
	op := func(context.Context) (response, error) {
		calls++
		return response{statuses[calls-1]}, nil
	}
	rc := redress.WithResultClassifier(func(r response) (classifier.Classification, bool) {
		if r.status == 503 {
			return classifier.Classification{Class: classifier.ServerError}, true
		}
		return classifier.Classification{}, false
	})
	got, err := redress.Execute(context.Background(), op, redress.WithClock(clk), rc)
	if err != nil || got.status != 200 || calls != 3 {
		t.Fatalf("Execute = %+v, %v after %d calls; want 200, nil after 3", got, err, calls)
	}

	// A rejected last result is returned with an error that says so.
	calls = 0
	statuses = []int{503, 503}
	got, err = redress.Execute(context.Background(), op, redress.WithClock(clk), rc,
		redress.WithRetry(retry.WithMaxAttempts(2)))
	var se *redress.StopError
	if !errors.As(err, &se) || se.LastClass != classifier.ServerError || !errors.Is(err, redress.ErrResultRejected) {
		t.Fatalf("error = %v, want a SERVER_ERROR stop wrapping ErrResultRejected", err)
	}
	if got.status != 503 {
		t.Errorf("result = %+v, want the last one, 503", got)
	}
}

func TestResultClassifierTypeMismatch(t *testing.T) {
	op, calls := script("ok")
	_, err := redress.Execute(context.Background(), op,
		redress.WithResultClassifier(func(int) (classifier.Classification, bool) { return classifier.Classification{}, false }))
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Fatalf("error = %v, want ErrInvalidConfig", err)
	}
	want := "redress: invalid configuration: WithResultClassifier: classifier func(int) (classifier.Classification, bool) does not take Execute's result type string"
	if err.Error() != want {
		t.Errorf("error = %q\nwant      %q", err.Error(), want)
	}
	if *calls != 0 {
		t.Errorf("op called %d times, want 0", *calls)
	}
}
