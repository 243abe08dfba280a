package redressanthropic_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/redress-go/redress"
	redressanthropic "github.com/redress-go/redress/contrib/anthropic"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// fakeAnthropic answers like the Anthropic API: its first answers are
// the failures given, the rest a model.
func fakeAnthropic(failures ...string) *httptest.Server {
	n := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n < len(failures) {
			n++
			switch failures[n-1] {
			case "rate_limit":
				w.Header().Set("Date", "Mon, 30 Nov 2026 01:00:00 GMT")
				w.Header().Set("Anthropic-Ratelimit-Requests-Remaining", "0")
				w.Header().Set("Anthropic-Ratelimit-Requests-Reset", "2026-11-30T01:00:20Z")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"type":"error","error":{"type":"rate_limit_error","message":"rate limited"}}`)
			case "spend_limit":
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"type":"error","error":{"type":"rate_limit_error","message":"spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}`)
			default:
				w.WriteHeader(529)
				fmt.Fprint(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
			}
			return
		}
		fmt.Fprint(w, `{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}`)
	}))
}

// A 429 is RATE_LIMIT and waits until the exhausted limit resets; one
// for a spend limit is PERMANENT; a 529 (overloaded) is SERVER_ERROR.
func ExampleClassifier() {
	srv := fakeAnthropic("rate_limit", "spend_limit", "overloaded")
	defer srv.Close()
	client := anthropic.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("sk-ant-example"), option.WithMaxRetries(0))

	for range 3 {
		_, err := client.Models.Get(context.Background(), "claude-sonnet-4-5", anthropic.ModelGetParams{})
		c := redressanthropic.Classifier.Classify(err)
		fmt.Println(c.Class, c.RetryAfter, c.Details[redressanthropic.DetailErrorType])
	}
	// Output:
	// RATE_LIMIT 20s rate_limit_error
	// PERMANENT 0s rate_limit_error
	// SERVER_ERROR 0s overloaded_error
}

// Each SDK call runs under redress.Execute with the Classifier; the SDK's
// own retries are off.
func Example_execute() {
	srv := fakeAnthropic("overloaded", "overloaded")
	defer srv.Close()
	client := anthropic.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("sk-ant-example"), option.WithMaxRetries(0))
	policy := redress.MustNew(
		redress.WithClassifier(redressanthropic.Classifier),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))),
	)

	model, err := redress.Execute(context.Background(), func(ctx context.Context) (*anthropic.ModelInfo, error) {
		return client.Models.Get(ctx, "claude-sonnet-4-5", anthropic.ModelGetParams{})
	}, policy)
	fmt.Println(model.ID, err)
	// Output:
	// claude-sonnet-4-5 <nil>
}

// The SDK's HTTP goes through a redresshttp.Transport; the SDK's own
// retries are off.
func Example_transport() {
	srv := fakeAnthropic("overloaded")
	defer srv.Close()
	policy := redress.MustNew(redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))))
	client := anthropic.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("sk-ant-example"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: &redresshttp.Transport{Policy: policy, RetryNonIdempotent: true}}))

	model, err := client.Models.Get(context.Background(), "claude-sonnet-4-5", anthropic.ModelGetParams{})
	fmt.Println(model.ID, err)
	// Output:
	// claude-sonnet-4-5 <nil>
}
