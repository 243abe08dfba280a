package guides_test

// The code of docs/classifiers.md.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// APIError is the error type of a payments SDK.
type APIError struct {
	Code       string // "card_declined", "rate_limited", "lock_timeout", …
	RetryAfter time.Duration
}

func (e *APIError) Error() string { return "payments: " + e.Code }

// classifyPayments knows the SDK's codes; it says UNKNOWN for everything
// else, so that a chain goes on to the next classifier.
var classifyPayments = classifier.Func(func(err error) classifier.Classification {
	var ae *APIError
	if !errors.As(err, &ae) {
		return classifier.Classification{} // UNKNOWN: not ours
	}
	details := map[string]string{"payments.code": ae.Code}
	switch ae.Code {
	case "rate_limited":
		return classifier.Classification{Class: classifier.RateLimit, RetryAfter: ae.RetryAfter, Details: details}
	case "lock_timeout":
		return classifier.Classification{Class: classifier.Concurrency, Details: details}
	case "card_declined", "invalid_request":
		return classifier.Classification{Class: classifier.Permanent, Details: details}
	case "invalid_api_key":
		return classifier.Classification{Class: classifier.Auth, Details: details}
	default:
		return classifier.Classification{Class: classifier.ServerError, Details: details}
	}
})

// paymentsPolicy asks the SDK's classifier first, then the default one
// (network errors, HTTP statuses, markers).
var paymentsPolicy = redress.MustNew(
	redress.WithOperation("payments.charge"),
	redress.WithClassifier(classifier.Chain(classifyPayments, classifier.Default)),
)

func ExampleFunc_payments() {
	for _, err := range []error{
		&APIError{Code: "rate_limited", RetryAfter: 3 * time.Second},
		fmt.Errorf("charge: %w", &APIError{Code: "card_declined"}),
		errors.New("connection reset by peer"),
	} {
		c := classifier.Chain(classifyPayments, classifier.Default).Classify(err)
		fmt.Println(c.Class, c.RetryAfter, c.Details["payments.code"])
	}
	// Output:
	// RATE_LIMIT 3s rate_limited
	// PERMANENT 0s card_declined
	// UNKNOWN 0s
}

// errOutOfStock is an answer, not a failure of the dependency.
var errOutOfStock = errors.New("out of stock")

func reserveItem(ctx context.Context, sku string) error {
	err := callWarehouse(ctx, sku)
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "OUT_OF_STOCK"):
		return classifier.MarkPermanent(errOutOfStock) // retrying will not restock it
	case strings.Contains(err.Error(), "BUSY"):
		return classifier.MarkRateLimited(err, 2*time.Second) // the warehouse said when
	}
	return err // the classifier decides
}

func callWarehouse(_ context.Context, sku string) error {
	if sku == "gone" {
		return errors.New("warehouse: OUT_OF_STOCK")
	}
	return nil
}

func ExampleMarkPermanent_reserve() {
	err := redress.Do(context.Background(), func(ctx context.Context) error {
		return reserveItem(ctx, "gone")
	})
	var se *redress.StopError
	errors.As(err, &se)
	fmt.Println(se.Reason, se.Attempts, errors.Is(err, errOutOfStock))
	// Output: NON_RETRYABLE_CLASS 1 true
}

// rejectBusy retries a response, not an error: an HTTP client returns a
// 503 as a response with a nil error. The Retry-After header, if any,
// becomes the classification's RetryAfter, which the policy honours.
func rejectBusy(r *http.Response) (classifier.Classification, bool) {
	return classifier.HTTPResponse(r.Request.Method, r.Request.URL.Host, r.StatusCode, r.Header, time.Now())
}

func ExampleWithResultClassifier_retryAfter() {
	ctx := context.Background()
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	req, _ := http.NewRequest("GET", "https://api.example.com/v1/report", nil)
	answers := []int{503, 200}
	get := func(ctx context.Context) (*http.Response, error) {
		code := answers[0]
		answers = answers[1:]
		h := http.Header{}
		if code == 503 {
			h.Set("Retry-After", "7")
		}
		return &http.Response{StatusCode: code, Header: h, Request: req, Body: http.NoBody}, nil
	}

	resp, err := redress.Execute(ctx, get,
		redress.WithResultClassifier(rejectBusy),
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithClock(clk))
	fmt.Println(resp.StatusCode, err, clk.Sleeps()[0].Truncate(time.Second)) // Retry-After plus at most 0.5 s of jitter
	// Output: 200 <nil> 7s
}
