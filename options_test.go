package redress_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		give redress.Option
		want string // the option named in the error
	}{
		{"zero max attempts", redress.WithRetry(retry.WithMaxAttempts(0)), "retry.WithMaxAttempts: must be at least 1, got 0"},
		{"negative max attempts", redress.WithRetry(retry.WithMaxAttempts(-3)), "retry.WithMaxAttempts: must be at least 1, got -3"},
		{"negative class cap", redress.WithRetry(retry.WithMaxAttemptsFor(classifier.Transient, -1)), "retry.WithMaxAttemptsFor: TRANSIENT: must not be negative, got -1"},
		{"negative unknown cap", redress.WithRetry(retry.WithMaxUnknownAttempts(-1)), "retry.WithMaxUnknownAttempts: must not be negative, got -1"},
		{"nil strategy", redress.WithRetry(retry.WithBackoff(nil)), "retry.WithBackoff: strategy is nil"},
		{"nil class strategy", redress.WithRetry(retry.WithBackoffFor(classifier.RateLimit, nil)), "retry.WithBackoffFor: RATE_LIMIT: strategy is nil"},
		{"zero deadline", redress.WithDeadline(0), "WithDeadline: must be positive, got 0s"},
		{"negative deadline", redress.WithDeadline(-time.Second), "WithDeadline: must be positive, got -1s"},
		{"zero attempt timeout", redress.WithAttemptTimeout(0), "WithAttemptTimeout: must be positive, got 0s"},
		{"negative attempt timeout", redress.WithAttemptTimeout(-time.Second), "WithAttemptTimeout: must be positive, got -1s"},
		{"nil classifier", redress.WithClassifier(nil), "WithClassifier: classifier is nil"},
		{"nil observer", redress.WithObserver(nil), "WithObserver: observer is nil"},
		{"nil middleware", redress.WithMiddleware(nil), "WithMiddleware: middleware is nil"},
		{"nil clock", redress.WithClock(nil), "WithClock: clock is nil"},
		{"nil result classifier", redress.WithResultClassifier[int](nil), "WithResultClassifier: classifier is nil"},
		{"nil breaker", redress.WithBreaker(nil), "WithBreaker: breaker is nil"},
		{"nil budget", redress.WithBudget(nil), "WithBudget: budget is nil"},
		{"invalid breaker", redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(0))), "WithBreaker: breaker: invalid configuration: WithFailureThreshold(0)"},
		{"invalid budget", redress.WithBudget(budget.New(-1, time.Minute)), "WithBudget: budget.New: maxRetries is -1"},
		{"nil option", nil, "Option: option is nil"},
		{"nil policy", (*redress.Policy)(nil), "Policy: policy is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := redress.New(tt.give)
			if p != nil || !errors.Is(err, redress.ErrInvalidConfig) {
				t.Fatalf("New = %v, %v; want nil and ErrInvalidConfig", p, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error %q does not name the option: want it to contain %q", err, tt.want)
			}

			op, calls := script(1)
			_, err = redress.Execute(context.Background(), op, tt.give, redress.WithClock(redresstest.NewAutoClock(epoch)))
			if !errors.Is(err, redress.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Execute error = %v, want ErrInvalidConfig naming %q", err, tt.want)
			}
			if *calls != 0 {
				t.Errorf("op called %d times with invalid options, want 0", *calls)
			}
		})
	}
}

func TestNilOperation(t *testing.T) {
	_, err := redress.Execute[int](context.Background(), nil)
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("Execute(nil op) = %v, want ErrInvalidConfig", err)
	}
	if err := redress.Do(context.Background(), nil); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("Do(nil op) = %v, want ErrInvalidConfig", err)
	}
}

func TestMustNewPanicsOnInvalidOptions(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, redress.ErrInvalidConfig) {
			t.Errorf("MustNew panicked with %v, want an ErrInvalidConfig error", err)
		}
	}()
	redress.MustNew(redress.WithDeadline(-1))
	t.Error("MustNew did not panic")
}

func TestOptionsAfterPolicyOverrideForOneCall(t *testing.T) {
	rec := &events{}
	clk := redresstest.NewAutoClock(epoch)
	p := mustNew(t, redress.WithOperation("users.get"), redress.WithObserver(rec), redress.WithClock(clk),
		redress.WithRetry(retry.WithMaxAttempts(5)))

	op, calls := script(0, errTransient, errTransient, errTransient)
	redress.Execute(context.Background(), op, p, redress.WithOperation("users.get.vip"), redress.WithRetry(retry.WithMaxAttempts(2)))
	if *calls != 2 {
		t.Errorf("override call: %d attempts, want 2", *calls)
	}
	op, calls = script(0, errTransient, errTransient, errTransient)
	redress.Execute(context.Background(), op, p)
	if *calls != 4 {
		t.Errorf("policy call after an override: %d attempts, want 4 (the policy is unchanged)", *calls)
	}
	var ops []string
	for _, e := range rec.all() {
		if e.Name == redress.EventSuccess || e.Name == redress.EventMaxAttemptsExceeded {
			ops = append(ops, e.Operation)
		}
	}
	if diff := cmp.Diff([]string{"users.get.vip", "users.get"}, ops); diff != "" {
		t.Errorf("terminal event operations (-want +got):\n%s", diff)
	}
}

func TestMiddlewareOrderAndAttempts(t *testing.T) {
	var trace []string
	mw := func(name string) redress.Middleware {
		return func(next redress.Handler) redress.Handler {
			return func(ctx context.Context, a *redress.Attempt) error {
				trace = append(trace, name+" before "+a.Operation+" #"+string(rune('0'+a.Number)))
				err := next(ctx, a)
				trace = append(trace, name+" after")
				return err
			}
		}
	}
	op, _ := script(0, errTransient)
	_, err := redress.Execute(context.Background(), op,
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithOperation("op"),
		redress.WithMiddleware(mw("outer"), mw("middle")),
		redress.WithMiddleware(mw("inner")))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"outer before op #1", "middle before op #1", "inner before op #1", "inner after", "middle after", "outer after",
		"outer before op #2", "middle before op #2", "inner before op #2", "inner after", "middle after", "outer after",
	}
	if diff := cmp.Diff(want, trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

func TestMiddlewareErrorIsClassified(t *testing.T) {
	limited := classifier.MarkRateLimited(errors.New("local limiter"), 0)
	calls := 0
	short := func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			if a.Number == 1 {
				return limited // fail the attempt without running it
			}
			return next(ctx, a)
		}
	}
	_, err := redress.Execute(context.Background(), func(context.Context) (int, error) { calls++; return 1, nil },
		redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithMiddleware(short))
	if err != nil || calls != 1 {
		t.Errorf("Execute = %v after %d op calls, want success after 1", err, calls)
	}
}

func TestNoRetriesContext(t *testing.T) {
	// The hook redresstest.NoRetries sets; checked here against Execute.
	op, calls := script(0, errTransient, errTransient)
	ctx := noRetries(context.Background())
	_, err := redress.Execute(ctx, op, redress.WithClock(redresstest.NewAutoClock(epoch)))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts || *calls != 1 {
		t.Errorf("Execute = %v after %d calls, want MAX_ATTEMPTS_GLOBAL after 1", err, *calls)
	}
}
