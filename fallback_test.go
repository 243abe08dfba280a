package redress_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestFallbackGetsTheFinalError(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	open := redresstest.NewBreaker(breaker.Open)
	tests := []struct {
		name       string
		ctx        context.Context
		opts       []redress.Option
		errs       []error
		wantReason redress.StopReason // of the error the fallback got; "" if it must not run
		wantValue  int
		wantErr    error
	}{
		{"retries exhausted", context.Background(), nil, []error{errTransient, errTransient}, redress.StopMaxAttempts, -1, nil},
		{"non-retryable", context.Background(), nil, []error{errPermanent}, redress.StopNonRetryable, -1, nil},
		{"breaker rejection", context.Background(), []redress.Option{redress.WithBreaker(open)}, nil,
			redress.StopCircuitOpen, -1, nil},
		{"success: no fallback", context.Background(), nil, nil, "", 1, nil},
		{"caller cancelled: no fallback", cancelled, nil, []error{errTransient}, "", 0, context.Canceled},
		{"scheduled: no fallback", context.Background(), []redress.Option{redress.WithRetry(retry.WithDefer(true))},
			[]error{errTransient}, "", 0, errTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotReason redress.StopReason
			fb := func(_ context.Context, err error) (int, error) {
				var se *redress.StopError
				if !errors.As(err, &se) {
					t.Errorf("fallback got %v, want a *StopError", err)
					return 0, err
				}
				gotReason = se.Reason
				return -1, nil
			}
			op, _ := script(1, tt.errs...)
			opts := append([]redress.Option{redress.WithClock(redresstest.NewAutoClock(epoch)),
				redress.WithRetry(retry.WithMaxAttempts(2)), redress.WithFallback(fb)}, tt.opts...)
			got, err := redress.Execute(tt.ctx, op, opts...)
			if got != tt.wantValue || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Execute = %v, %v; want %v, %v", got, err, tt.wantValue, tt.wantErr)
			}
			if gotReason != tt.wantReason {
				t.Errorf("fallback got a %q stop, want %q", gotReason, tt.wantReason)
			}
		})
	}
}

func TestFallbackErrorIsReturned(t *testing.T) {
	rec := &events{}
	fb := func(_ context.Context, err error) (string, error) {
		return "stale", fmt.Errorf("no cache either: %w", err)
	}
	got, err := redress.Execute(context.Background(), func(context.Context) (string, error) { return "", errPermanent },
		redress.WithFallback(fb), redress.WithObserver(rec))
	if got != "stale" || !errors.Is(err, errPermanent) {
		t.Errorf("Execute = %q, %v; want the fallback's value and its error wrapping the operation's", got, err)
	}
	want := []redress.EventName{redress.EventPermanentFail, redress.EventFallback}
	if diff := cmp.Diff(want, rec.names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if ev := rec.all()[1]; ev.Reason != redress.StopNonRetryable || ev.Cause == nil || ev.Attempt != 1 {
		t.Errorf("fallback event = %+v, want its reason, the fallback's error as Cause and attempt 1", ev)
	}
}

func TestFallbackRunsAfterTheBreakerRecorded(t *testing.T) {
	br := redresstest.NewBreaker(breaker.Closed)
	var recorded int
	fb := func(context.Context, error) (int, error) {
		recorded = len(br.Records())
		return 0, nil
	}
	redress.Execute(context.Background(), func(context.Context) (int, error) { return 0, errPermanent },
		redress.WithBreaker(br), redress.WithFallback(fb))
	if recorded != 1 {
		t.Errorf("the breaker had %d records when the fallback ran, want 1", recorded)
	}
}

func TestFallbackTypeMustMatch(t *testing.T) {
	op, calls := script(1)
	fb := redress.WithFallback(func(context.Context, error) (string, error) { return "", nil })
	_, err := redress.Execute(context.Background(), op, fb)
	if !errors.Is(err, redress.ErrInvalidConfig) || *calls != 0 {
		t.Fatalf("Execute = %v after %d calls, want ErrInvalidConfig and no call", err, *calls)
	}
	want := "redress: invalid configuration: WithFallback: fallback func(context.Context, error) (string, error) does not return Execute's result type int"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestFallbackWithDo(t *testing.T) {
	fb := func(context.Context, error) (struct{}, error) { return struct{}{}, nil }
	err := redress.Do(context.Background(), func(context.Context) error { return errPermanent }, redress.WithFallback(fb))
	if err != nil {
		t.Errorf("Do = %v, want the fallback's nil", err)
	}
}

func TestFallbackNil(t *testing.T) {
	_, err := redress.New(redress.WithFallback[int](nil))
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("New = %v, want ErrInvalidConfig", err)
	}
}

func TestCallSeesFallback(t *testing.T) {
	var call redress.Call
	mw := func(next redress.CallHandler) redress.CallHandler {
		return func(ctx context.Context, c *redress.Call) error {
			err := next(ctx, c)
			call = redress.Call{Attempts: c.Attempts, StopReason: c.StopReason, FellBack: c.FellBack}
			return err
		}
	}
	_, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 0, errPermanent },
		redress.WithFallback(func(context.Context, error) (int, error) { return 2, nil }), redress.WithCallMiddleware(mw))
	if err != nil {
		t.Fatalf("Execute = %v, want nil", err)
	}
	want := redress.Call{Attempts: 1, StopReason: redress.StopNonRetryable, FellBack: true}
	if diff := cmp.Diff(want, call, cmp.AllowUnexported(redress.Call{})); diff != "" {
		t.Errorf("Call (-want +got):\n%s", diff)
	}
}
