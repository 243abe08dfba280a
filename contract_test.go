package redress_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestUsageContract runs the usage contract of the design as written (on a
// fake clock where it would sleep), so that a change that breaks a name or
// a signature it fixes fails to compile here.
func TestUsageContract(t *testing.T) {
	ctx := context.Background()
	api := &flakyAPI{failures: 1}
	id := 7
	errUpstream := errors.New("upstream")
	clk := redresstest.NewAutoClock(time.Unix(0, 0))

	// One-off calls with the default policy.
	user, err := redress.Execute(ctx, func(ctx context.Context) (User, error) { return api.User(ctx, id) }, redress.WithClock(clk))
	if err != nil || user.Name != "user-7" {
		t.Fatalf("Execute = %v, %v", user, err)
	}
	err = redress.Do(ctx, func(ctx context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}

	// Shared, concurrency-safe building blocks.
	br := breaker.New(
		breaker.WithFailureThreshold(5),
		breaker.WithWindow(time.Minute),
		breaker.WithRecoveryTimeout(30*time.Second),
		breaker.WithTripOn(classifier.Transient, classifier.ServerError),
		breaker.WithClassThreshold(classifier.RateLimit, 3),
		breaker.WithHalfOpenProbes(1),
		breaker.WithClock(clk),
	)
	// A mode of its own: opens after 3 failures in a row.
	consecutive := breaker.New(breaker.WithConsecutiveFailures(3), breaker.WithClock(clk))
	for range 3 {
		consecutive.Record(mustAllow(t, consecutive), breaker.Failure, classifier.Transient)
	}
	if !consecutive.IsOpen() {
		t.Errorf("a consecutive-failures breaker is %v after 3 failures in a row, want open", consecutive.State())
	}
	var state breaker.State = br.State()
	_ = state.String()
	_ = br.FailureCount()
	var last time.Time = br.LastFailure()
	_ = last
	_ = br.IsOpen()
	bud := budget.New(100, time.Minute, budget.WithClock(clk))
	if got := bud.Remaining(); got != 100 {
		t.Errorf("Remaining() = %d, want 100", got)
	}

	policy, err := redress.New(
		redress.WithOperation("users.get"),
		redress.WithClassifier(classifier.Default),
		redress.WithRetry(
			retry.WithMaxAttempts(5),
			retry.WithMaxUnknownAttempts(2),
			retry.WithMaxAttemptsFor(classifier.Concurrency, 3),
			retry.WithBackoff(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second)),
			retry.WithBackoffFor(classifier.RateLimit, backoff.RetryAfterOr(backoff.FullJitter(time.Second, time.Minute))),
		),
		redress.WithDeadline(time.Minute),
		redress.WithAttemptTimeout(10*time.Second),
		redress.WithBreaker(br),
		redress.WithBudget(bud),
		redress.WithObserver(redress.SlogObserver(slog.New(slog.DiscardHandler))),
		redress.WithClock(clk),
	)
	if err != nil {
		t.Fatal(err)
	}
	p := redress.MustNew(redress.WithOperation("users.get"))
	_ = p

	getUser := func(ctx context.Context) (User, error) { return api.User(ctx, id) }
	user, err = redress.Execute(ctx, getUser, policy)
	if err != nil {
		t.Fatal(err)
	}
	user, err = redress.Execute(ctx, getUser, policy, redress.WithOperation("users.get.vip"))
	if err != nil {
		t.Fatal(err)
	}

	doRequest := func(context.Context) (*http.Response, error) { return &http.Response{StatusCode: 200}, nil }
	resp, err := redress.Execute(ctx, doRequest, policy,
		redress.WithResultClassifier(func(r *http.Response) (classifier.Classification, bool) {
			if r.StatusCode == 503 {
				return classifier.Classification{Class: classifier.ServerError}, true
			}
			return classifier.Classification{}, false
		}))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Execute = %v, %v", resp, err)
	}

	err = redress.Do(ctx, func(context.Context) error { return errUpstream }, redress.WithClock(clk))
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *StopError", err)
	}
	var reason redress.StopReason = se.Reason
	var attempts int = se.Attempts
	var lastClass classifier.Class = se.LastClass
	var elapsed time.Duration = se.Elapsed
	_, _, _, _ = reason, attempts, lastClass, elapsed
	if reason != redress.StopMaxUnknownAttempts || !errors.Is(err, errUpstream) {
		t.Errorf("stop %s, errors.Is(err, errUpstream) = %t", reason, errors.Is(err, errUpstream))
	}
	_ = errors.Is(err, breaker.ErrOpen)
	_ = errors.Is(err, budget.ErrExhausted)
	_ = errors.Is(err, redress.ErrInvalidConfig)

	e := errors.New("x")
	for _, marked := range []error{
		classifier.MarkPermanent(e), classifier.MarkTransient(e),
		classifier.MarkRateLimited(e, 2*time.Second), classifier.Mark(e, classifier.Concurrency),
	} {
		if !errors.Is(marked, e) {
			t.Errorf("%v does not unwrap to the original", marked)
		}
	}
	var c classifier.Classifier = classifier.Func(func(err error) classifier.Classification { return classifier.Classification{} })
	_ = c.Classify(e)

	redress.WithObserver(redress.ObserverFunc(func(ctx context.Context, e redress.Event) {
		var name redress.EventName = e.Name
		var op string = e.Operation
		var attempt int = e.Attempt
		var sleep time.Duration = e.Sleep
		var class classifier.Class = e.Class
		var err error = e.Err
		var reason redress.StopReason = e.Reason
		_, _, _, _, _, _, _ = name, op, attempt, sleep, class, err, reason
	}))
	var mw redress.Middleware = func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			_ = a.Number
			_ = a.Operation
			return next(ctx, a)
		}
	}
	redress.WithMiddleware(mw, mw)

	clk1 := redresstest.NewAutoClock(time.Unix(0, 0))
	clk2 := redresstest.NewClock(time.Unix(0, 0))
	var _ *redresstest.Clock = clk1
	_ = clk1.Now()
	var sleeps []time.Duration = clk1.Sleeps()
	_ = sleeps
	go func() { <-clk2.NewTimer(time.Second).C() }()
	clk2.WaitForSleepers(1)
	clk2.Advance(time.Second)
	redress.WithClock(clk1)
	breaker.New(breaker.WithClock(clk1))
	budget.New(10, time.Minute, budget.WithClock(clk1))
	retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 200*time.Millisecond))

	// Type names fixed by the contract.
	var (
		_ redress.Option = redress.WithOperation("x")
		_ retry.Option   = retry.WithMaxAttempts(1)
		_ breaker.Option = breaker.WithHalfOpenProbes(1)
		_ budget.Option  = budget.WithClock(clk1)
		_ *breaker.Breaker
		_ redress.Clock = clk1
	)
	for _, s := range []breaker.State{breaker.Closed, breaker.Open, breaker.HalfOpen} {
		_ = s.String()
	}
}

func mustAllow(t *testing.T, b *breaker.Breaker) breaker.Ticket {
	t.Helper()
	tk, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
