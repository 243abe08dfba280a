package classifier_test

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redress-go/redress/classifier"
)

// APIError is an HTTP client's error, as many SDKs define one.
type APIError struct {
	Status int
	After  time.Duration // from the response's Retry-After
}

func (e *APIError) Error() string { return fmt.Sprintf("api: status %d", e.Status) }

// StatusCode is the method Default looks for.
func (e *APIError) StatusCode() int { return e.Status }

// RetryAfter is the method Default takes RetryAfter from.
func (e *APIError) RetryAfter() time.Duration { return e.After }

func ExampleDefault() {
	errNotFound := errors.New("user not found")
	err := fmt.Errorf("get user 42: %w", classifier.MarkPermanent(errNotFound))

	c := classifier.Default.Classify(err)
	fmt.Println(c.Class, c.Class.Retryable())
	// Output: PERMANENT false
}

func ExampleDefault_httpStatus() {
	err := fmt.Errorf("list orders: %w", &APIError{Status: 429, After: 2 * time.Second})

	c := classifier.Default.Classify(err)
	fmt.Println(c.Class, c.RetryAfter, c.Details["http.status"])
	// Output: RATE_LIMIT 2s 429
}

func ExampleStrict() {
	// A connection cut mid-response: Default guesses TRANSIENT, Strict,
	// which trusts only explicit signals, does not guess.
	err := fmt.Errorf("read body: %w", io.ErrUnexpectedEOF)
	fmt.Println(classifier.Default.Classify(err).Class)
	fmt.Println(classifier.Strict.Classify(err).Class)
	// Output:
	// TRANSIENT
	// UNKNOWN
}

func ExampleChain() {
	errQuotaExceeded := errors.New("quota exceeded")
	quota := classifier.Func(func(err error) classifier.Classification {
		if errors.Is(err, errQuotaExceeded) {
			return classifier.Classification{Class: classifier.RateLimit, RetryAfter: time.Minute}
		}
		return classifier.Classification{} // UNKNOWN: let the next one decide
	})
	c := classifier.Chain(quota, classifier.Default)

	fmt.Println(c.Classify(fmt.Errorf("upload: %w", errQuotaExceeded)).Class)
	fmt.Println(c.Classify(&APIError{Status: 503}).Class)
	// Output:
	// RATE_LIMIT
	// SERVER_ERROR
}

func ExampleFunc() {
	var c classifier.Classifier = classifier.Func(func(err error) classifier.Classification {
		return classifier.Classification{Class: classifier.Transient}
	})
	fmt.Println(c.Classify(errors.New("anything")).Class)
	// Output: TRANSIENT
}

func ExampleParseRetryAfter() {
	now := time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"120", "Sat, 01 Mar 2025 12:00:30 GMT", "Sat, 01 Mar 2025 11:00:00 GMT", "soon"} {
		d, ok := classifier.ParseRetryAfter(v, now)
		fmt.Println(d, ok)
	}
	// Output:
	// 2m0s true
	// 30s true
	// 0s true
	// 0s false
}

func ExampleHTTPStatus() {
	for _, code := range []int{401, 404, 409, 429, 501, 503, 302} {
		fmt.Println(code, classifier.HTTPStatus(code))
	}
	// Output:
	// 401 AUTH
	// 404 PERMANENT
	// 409 CONCURRENCY
	// 429 RATE_LIMIT
	// 501 PERMANENT
	// 503 SERVER_ERROR
	// 302 UNKNOWN
}

func ExampleSQLState() {
	for _, code := range []string{"40001", "08006", "28P01", "42501", "23505", "XX000"} {
		fmt.Println(code, classifier.SQLState(code))
	}
	// Output:
	// 40001 CONCURRENCY
	// 08006 TRANSIENT
	// 28P01 AUTH
	// 42501 PERMISSION
	// 23505 PERMANENT
	// XX000 UNKNOWN
}

func ExampleMark() {
	errVersion := errors.New("stale version")
	err := classifier.Mark(errVersion, classifier.Concurrency)

	fmt.Println(err, errors.Is(err, errVersion))
	fmt.Println(classifier.Default.Classify(err).Class)
	// Output:
	// stale version true
	// CONCURRENCY
}

func ExampleMarkRateLimited() {
	err := classifier.MarkRateLimited(errors.New("slow down"), 2*time.Second)

	c := classifier.Default.Classify(err)
	fmt.Println(c.Class, c.RetryAfter)
	// Output: RATE_LIMIT 2s
}

func ExampleMarkPermanent() {
	err := classifier.MarkPermanent(errors.New("invalid email"))
	fmt.Println(classifier.Default.Classify(err).Class)
	// Output: PERMANENT
}

func ExampleMarkTransient() {
	err := classifier.MarkTransient(errors.New("leader election in progress"))
	fmt.Println(classifier.Default.Classify(err).Class)
	// Output: TRANSIENT
}

func ExampleParseClass() {
	c, ok := classifier.ParseClass("RATE_LIMIT")
	fmt.Println(c == classifier.RateLimit, ok)
	// Output: true true
}

func ExampleClasses() {
	for _, c := range classifier.Classes() {
		fmt.Println(c, c.Retryable())
	}
	// Output:
	// UNKNOWN true
	// AUTH false
	// PERMISSION false
	// PERMANENT false
	// CONCURRENCY true
	// RATE_LIMIT true
	// SERVER_ERROR true
	// TRANSIENT true
}

func ExampleErrAttemptTimeout() {
	// redress wraps an attempt's error like this when the attempt ran out
	// of its own per-attempt timeout.
	err := fmt.Errorf("%w: %w", classifier.ErrAttemptTimeout, errors.New("query canceled"))
	fmt.Println(classifier.Default.Classify(err).Class)
	// Output: TRANSIENT
}
