package redresssentry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	redresssentry "github.com/redress-go/redress/contrib/sentry"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// exampleHub returns a hub whose client prints the events it sends
// instead of sending them. A real program calls sentry.Init with its DSN
// and uses sentry.CurrentHub(), or the hub of each request.
func exampleHub() *sentry.Hub {
	client, err := sentry.NewClient(sentry.ClientOptions{
		Transport:    &sentry.MockTransport{},
		Integrations: func([]sentry.Integration) []sentry.Integration { return nil },
		BeforeSend: func(e *sentry.Event, _ *sentry.EventHint) *sentry.Event {
			fmt.Printf("event %s %q tags=%v\n", e.Level, e.Message, e.Tags)
			for _, b := range e.Breadcrumbs {
				fmt.Printf("  breadcrumb %s %s %q\n", b.Category, b.Level, b.Message)
			}
			return e
		},
	})
	if err != nil {
		panic(err)
	}
	return sentry.NewHub(client, sentry.NewScope())
}

func ExampleNew() {
	hub := exampleHub()
	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(redresssentry.New(hub)),
		redress.WithRetry(retry.WithMaxAttempts(3), retry.WithBackoff(redresstest.Sequence(time.Second))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))), // no real sleeping
	)
	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkTransient(errors.New("connection reset"))
	}, policy)
	fmt.Println("err:", err)
	// Output:
	// event error "redress: users.get: max_attempts_exceeded" tags=map[class:TRANSIENT operation:users.get stop_reason:MAX_ATTEMPTS_GLOBAL]
	//   breadcrumb redress info "users.get: retry"
	//   breadcrumb redress info "users.get: retry"
	// err: redress: users.get: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (TRANSIENT): connection reset
}

// Only failures that exhausted their retries are captured here; a
// permanent failure leaves a breadcrumb, which shows in the next event.
func ExampleWithCaptureReasons() {
	hub := exampleHub()
	obs := redresssentry.New(hub, redresssentry.WithCaptureReasons(
		redress.StopMaxAttempts, redress.StopMaxAttemptsForClass))
	policy := redress.MustNew(
		redress.WithOperation("orders.create"),
		redress.WithObserver(obs),
		redress.WithRetry(retry.WithMaxAttempts(1)),
	)
	ctx := context.Background()
	_ = redress.Do(ctx, func(context.Context) error {
		return classifier.MarkPermanent(errors.New("invalid order"))
	}, policy)
	_ = redress.Do(ctx, func(context.Context) error {
		return classifier.MarkTransient(errors.New("timeout"))
	}, policy)
	// Output:
	// event error "redress: orders.create: max_attempts_exceeded" tags=map[class:TRANSIENT operation:orders.create stop_reason:MAX_ATTEMPTS_GLOBAL]
	//   breadcrumb redress error "orders.create: permanent_fail"
}

func ExampleObserver_Observe() {
	hub := exampleHub()
	obs := redresssentry.New(hub)
	ctx := context.Background()
	obs.Observe(ctx, redress.Event{Name: redress.EventCircuitOpened, Operation: "users.get"})
	obs.Observe(ctx, redress.Event{Name: redress.EventSuccess, Operation: "users.get"}) // not recorded
	obs.Observe(ctx, redress.Event{
		Name:      redress.EventBudgetExhausted,
		Operation: "users.get",
		Attempt:   1,
		Class:     classifier.ServerError,
		Reason:    redress.StopBudgetExhausted,
	})
	// Output:
	// event warning "redress: users.get: budget_exhausted" tags=map[class:SERVER_ERROR operation:users.get stop_reason:BUDGET_EXHAUSTED]
	//   breadcrumb redress warning "users.get: circuit_opened"
}
