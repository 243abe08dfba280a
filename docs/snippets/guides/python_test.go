package guides_test

// The code of docs/python.md.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// The Go twin of a Python service's
//
//	Retry(classifier=default_classifier,
//	      strategy=decorrelated_jitter(max_s=5.0),
//	      strategies={ErrorClass.RATE_LIMIT: decorrelated_jitter(max_s=60.0)},
//	      deadline_s=30.0, max_attempts=5,
//	      per_class_max_attempts={ErrorClass.CONCURRENCY: 2})
var searchPolicy = redress.MustNew(
	redress.WithOperation("search.query"), // the same operation name on both sides
	redress.WithClassifier(classifier.Default),
	redress.WithRetry(
		retry.WithBackoff(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second)),
		retry.WithBackoffFor(classifier.RateLimit, backoff.DecorrelatedJitter(250*time.Millisecond, time.Minute)),
		retry.WithMaxAttempts(5),
		retry.WithMaxAttemptsFor(classifier.Concurrency, 2),
	),
	redress.WithDeadline(30*time.Second),
)

func Example_pythonOutcome() {
	ctx := context.Background()
	op := func(ctx context.Context) (string, error) {
		return "", classifier.MarkPermanent(errors.New("400 bad query"))
	}

	// Python's policy.execute(fn) returns an outcome; in Go the call's
	// report and its error carry the same fields.
	var rep redress.Call
	_, err := redress.Execute(ctx, op, searchPolicy, redress.WithReport(&rep), redresstest.InstantRetries())
	var se *redress.StopError
	errors.As(err, &se)
	fmt.Println(err == nil, rep.StopReason, rep.Attempts, se.LastClass)
	// Output: false NON_RETRYABLE_CLASS 1 PERMANENT
}
