package redress_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

type ctxKey struct{}

func TestCallMiddlewareWrapsTheWholeCall(t *testing.T) {
	var trace []string
	var calls []redress.Call
	mw := func(name string) redress.CallMiddleware {
		return func(next redress.CallHandler) redress.CallHandler {
			return func(ctx context.Context, c *redress.Call) error {
				trace = append(trace, name+" before")
				err := next(context.WithValue(ctx, ctxKey{}, name), c)
				trace = append(trace, name+" after")
				calls = append(calls, redress.Call{Operation: c.Operation, Attempts: c.Attempts, StopReason: c.StopReason})
				return err
			}
		}
	}
	var seen []any
	observer := redress.ObserverFunc(func(ctx context.Context, e redress.Event) { seen = append(seen, ctx.Value(ctxKey{})) })
	op, _ := script(7, errTransient, errTransient)
	got, err := redress.Execute(context.Background(), func(ctx context.Context) (int, error) {
		seen = append(seen, ctx.Value(ctxKey{}))
		return op(ctx)
	}, redress.WithOperation("op"), redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithObserver(observer),
		redress.WithCallMiddleware(mw("outer")), redress.WithCallMiddleware(mw("inner")))
	if err != nil || got != 7 {
		t.Fatalf("Execute = %v, %v; want 7, nil", got, err)
	}
	if diff := cmp.Diff([]string{"outer before", "inner before", "inner after", "outer after"}, trace); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	want := []redress.Call{{Operation: "op", Attempts: 3}, {Operation: "op", Attempts: 3}}
	if diff := cmp.Diff(want, calls, cmp.AllowUnexported(redress.Call{})); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	// Three attempts and four events (retry, retry, success), each given the
	// inner middleware's context.
	if diff := cmp.Diff([]any{"inner", "inner", "inner", "inner", "inner", "inner"}, seen); diff != "" {
		t.Errorf("ctx values seen by attempts and observer (-want +got):\n%s", diff)
	}
}

func TestCallMiddlewareSeesStopReason(t *testing.T) {
	var c *redress.Call
	keep := func(next redress.CallHandler) redress.CallHandler {
		return func(ctx context.Context, call *redress.Call) error {
			c = call
			return next(ctx, call)
		}
	}
	op, _ := script(0, errPermanent)
	_, err := redress.Execute(context.Background(), op, redress.WithCallMiddleware(keep))
	if !errors.Is(err, errPermanent) {
		t.Fatalf("Execute error = %v, want the operation's", err)
	}
	if c.StopReason != redress.StopNonRetryable || c.Attempts != 1 {
		t.Errorf("Call = %+v, want NON_RETRYABLE_CLASS after 1 attempt", *c)
	}
}

func TestCallMiddlewareCanSkipOrRepeatNext(t *testing.T) {
	errSkipped := errors.New("not now")
	skip := func(redress.CallHandler) redress.CallHandler {
		return func(context.Context, *redress.Call) error { return errSkipped }
	}
	twice := func(next redress.CallHandler) redress.CallHandler {
		return func(ctx context.Context, c *redress.Call) error {
			next(ctx, c)
			return next(ctx, c)
		}
	}
	tests := []struct {
		name      string
		mw        redress.CallMiddleware
		wantCalls int
		wantErr   bool
	}{
		{"skip", skip, 0, true},
		{"twice", twice, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, calls := script(1)
			_, err := redress.Execute(context.Background(), op, redress.WithCallMiddleware(tt.mw))
			if *calls != tt.wantCalls || (err != nil) != tt.wantErr {
				t.Errorf("op called %d times, error %v; want %d calls, error %v", *calls, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
}

func TestBreakerInsideTheRetryLoopSeesEveryAttempt(t *testing.T) {
	br := redresstest.NewBreaker(breaker.Closed)
	op, _ := script(1, errTransient, errPermanent)
	_, err := redress.Execute(context.Background(), op, redress.WithBreaker(br),
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithOrder(redress.StageRetry, redress.StageBreaker))
	if !errors.Is(err, errPermanent) {
		t.Fatalf("Execute error = %v, want the last failure", err)
	}
	want := []breaker.Outcome{breaker.Failure, breaker.Failure}
	if diff := cmp.Diff(want, br.Outcomes()); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if br.Allowed() != 2 {
		t.Errorf("Allow called %d times, want 2", br.Allowed())
	}
}

func TestBreakerInsideTheRetryLoopStopsTheCall(t *testing.T) {
	br := redresstest.NewBreaker(breaker.Closed)
	br.ScriptAllow(true, false)
	rec := &events{}
	op, calls := script(1, errTransient, errTransient)
	_, err := redress.Execute(context.Background(), op, redress.WithBreaker(br), redress.WithObserver(rec),
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithOrder(redress.StageRetry, redress.StageBreaker))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopCircuitOpen || se.Attempts != 1 {
		t.Fatalf("Execute error = %v, want CIRCUIT_OPEN after 1 attempt", err)
	}
	if !errors.Is(err, breaker.ErrOpen) || !errors.Is(err, errTransient) {
		t.Errorf("error %v should match breaker.ErrOpen and the last operation error", err)
	}
	if *calls != 1 {
		t.Errorf("op called %d times, want 1", *calls)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventRetry, redress.EventCircuitRejected}, rec.names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestWithOrderValidation(t *testing.T) {
	mw := func(next redress.Handler) redress.Handler { return next }
	tests := []struct {
		name string
		give []redress.Option
		want string
	}{
		{"retry missing", []redress.Option{redress.WithOrder(redress.StageBreaker)}, "stage retry is missing"},
		{"twice", []redress.Option{redress.WithOrder(redress.StageRetry, redress.StageRetry)}, "stage retry given twice"},
		{"unknown", []redress.Option{redress.WithOrder(redress.StageRetry, redress.Stage(99))}, "unknown stage Stage(99)"},
		{"middleware before retry", []redress.Option{redress.WithOrder(redress.StageMiddleware, redress.StageRetry)},
			"stage middleware must come after retry"},
		{"configured, not placed", []redress.Option{redress.WithBreaker(breaker.New()), redress.WithOrder(redress.StageRetry)},
			"stage breaker is configured but not placed"},
		{"middleware not placed", []redress.Option{redress.WithMiddleware(mw), redress.WithOrder(redress.StageRetry)},
			"stage middleware is configured but not placed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redress.New(tt.give...)
			if !errors.Is(err, redress.ErrInvalidConfig) {
				t.Fatalf("New error = %v, want ErrInvalidConfig", err)
			}
			if want := "WithOrder: " + tt.want; !strings.Contains(err.Error(), want) {
				t.Errorf("New error = %q, want it to contain %q", err, want)
			}
		})
	}
}

func TestStageString(t *testing.T) {
	got := []string{redress.StageBreaker.String(), redress.StageThrottle.String(), redress.StageBulkhead.String(),
		redress.StageMiddleware.String(), redress.StageRetry.String(), redress.Stage(0).String()}
	want := []string{"breaker", "throttle", "bulkhead", "middleware", "retry", "Stage(0)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

// TestOrderedPoliciesDoNotAllocate checks that a placed but unconfigured
// stage costs nothing.
func TestOrderedPoliciesDoNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	p := mustNew(t, redress.WithBreaker(breaker.New()), redress.WithoutDeadline(),
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithOrder(redress.StageThrottle, redress.StageRetry, redress.StageBreaker, redress.StageBulkhead))
	allocs := testing.AllocsPerRun(1000, func() { redress.Execute(context.Background(), succeed, p) })
	if allocs != 0 {
		t.Errorf("Execute allocates %v times per call, want 0", allocs)
	}
}
