package guides_test

// The code of docs/policy.md and docs/troubleshooting.md.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
	"github.com/redress-go/redress/throttle"
)

// One policy with every stage, shared by every call to the inventory
// service. Stages that are not configured cost nothing.
var inventoryPolicy = redress.MustNew(
	redress.WithOperation("inventory.reserve"),
	redress.WithClassifier(classifier.Default),
	redress.WithRetry(
		retry.WithMaxAttempts(4),
		retry.WithMaxUnknownAttempts(1),
		retry.WithBackoff(backoff.DecorrelatedJitter(100*time.Millisecond, 2*time.Second)),
		retry.WithBackoffFor(classifier.RateLimit, backoff.RetryAfterOr(backoff.FullJitter(time.Second, 30*time.Second))),
	),
	redress.WithDeadline(10*time.Second),
	redress.WithAttemptTimeout(2*time.Second),
	redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(5), breaker.WithRecoveryTimeout(30*time.Second))),
	redress.WithBudget(budget.New(100, time.Minute)),
	redress.WithThrottle(throttle.New()),
	redress.WithBulkhead(bulkhead.New(64)),
	redress.WithObserver(redress.SlogObserver(slog.Default())),
)

// Example_policyOverride shows a per-call override of a shared policy.
func Example_policyOverride() {
	ctx := context.Background()
	reserve := func(ctx context.Context) (int, error) { return 7, nil }

	n, err := redress.Execute(ctx, reserve, inventoryPolicy,
		redress.WithOperation("inventory.reserve.bulk"), // this call only
		redress.WithDeadline(30*time.Second),
	)
	fmt.Println(n, err)
	// Output: 7 <nil>
}

// Example_stopReason shows how a failed call says why it stopped.
func Example_stopReason() {
	ctx := context.Background()
	errDown := errors.New("503 from inventory")
	reserve := func(ctx context.Context) (int, error) {
		return 0, classifier.Mark(errDown, classifier.ServerError)
	}

	_, err := redress.Execute(ctx, reserve,
		redress.WithRetry(retry.WithMaxAttempts(4)),
		redresstest.InstantRetries()) // no sleeping in an example
	var se *redress.StopError
	if errors.As(err, &se) {
		fmt.Println(se.Reason, se.Attempts, se.LastClass)
	}
	fmt.Println(errors.Is(err, errDown))
	// Output:
	// MAX_ATTEMPTS_GLOBAL 4 SERVER_ERROR
	// true
}

// Example_troubleshootingObserver prints every event of a call: the first
// thing to look at when a call did not do what you expected.
func Example_troubleshootingObserver() {
	ctx := context.Background()
	calls := 0
	op := func(ctx context.Context) error {
		calls++
		if calls == 1 {
			return classifier.MarkTransient(errors.New("connection reset"))
		}
		return errors.New("no such user") // UNKNOWN: retried at most once by this policy
	}

	debug := redress.ObserverFunc(func(_ context.Context, e redress.Event) {
		fmt.Printf("%s attempt=%d class=%s reason=%s\n", e.Name, e.Attempt, e.Class, e.Reason)
	})
	_ = redress.Do(ctx, op,
		redress.WithRetry(retry.WithMaxUnknownAttempts(0)),
		redress.WithObserver(debug),
		redresstest.InstantRetries())
	// Output:
	// retry attempt=1 class=TRANSIENT reason=
	// max_unknown_attempts_exceeded attempt=2 class=UNKNOWN reason=MAX_UNKNOWN_ATTEMPTS
}

// Example_troubleshootingReport reads a call's report: attempts, sleeps,
// stop reason.
func Example_troubleshootingReport() {
	ctx := context.Background()
	op := func(ctx context.Context) error { return classifier.MarkPermanent(errors.New("400 bad request")) }

	var rep redress.Call
	_ = redress.Do(ctx, op, redress.WithReport(&rep))
	fmt.Println(rep.Attempts, rep.StopReason, rep.Slept)
	// Output: 1 NON_RETRYABLE_CLASS 0s
}
