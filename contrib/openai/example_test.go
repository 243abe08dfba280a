package redressopenai_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/redress-go/redress"
	redressopenai "github.com/redress-go/redress/contrib/openai"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// fakeOpenAI answers like the OpenAI API: its first answers are the
// failures given, the rest a model.
func fakeOpenAI(failures ...string) *httptest.Server {
	n := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n < len(failures) {
			n++
			switch failures[n-1] {
			case "insufficient_quota":
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`)
			case "rate_limit":
				w.Header().Set("X-Ratelimit-Remaining-Requests", "0")
				w.Header().Set("X-Ratelimit-Reset-Requests", "6m0s")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`)
			default:
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprint(w, `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`)
			}
			return
		}
		fmt.Fprint(w, `{"id":"gpt-4o","object":"model","created":1700000000,"owned_by":"openai"}`)
	}))
}

// A 429 is RATE_LIMIT, and waits until the exhausted limit resets
// (capped at 5 minutes); a 429 that says insufficient_quota is PERMANENT.
func ExampleClassifier() {
	srv := fakeOpenAI("rate_limit", "insufficient_quota")
	defer srv.Close()
	client := openai.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("sk-example"), option.WithMaxRetries(0))

	for range 2 {
		_, err := client.Models.Get(context.Background(), "gpt-4o")
		c := redressopenai.Classifier.Classify(err)
		fmt.Println(c.Class, c.RetryAfter, c.Details[redressopenai.DetailErrorCode])
	}
	// Output:
	// RATE_LIMIT 5m0s rate_limit_exceeded
	// PERMANENT 0s insufficient_quota
}

// Each SDK call runs under redress.Execute with the Classifier; the SDK's
// own retries are off.
func Example_execute() {
	srv := fakeOpenAI("server_error", "server_error")
	defer srv.Close()
	client := openai.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("sk-example"), option.WithMaxRetries(0))
	policy := redress.MustNew(
		redress.WithClassifier(redressopenai.Classifier),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))),
	)

	model, err := redress.Execute(context.Background(), func(ctx context.Context) (*openai.Model, error) {
		return client.Models.Get(ctx, "gpt-4o")
	}, policy)
	fmt.Println(model.ID, err)
	// Output:
	// gpt-4o <nil>
}

// The SDK's HTTP goes through a redresshttp.Transport; the SDK's own
// retries are off.
func Example_transport() {
	srv := fakeOpenAI("server_error")
	defer srv.Close()
	policy := redress.MustNew(redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))))
	client := openai.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("sk-example"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: &redresshttp.Transport{Policy: policy, RetryNonIdempotent: true}}))

	model, err := client.Models.Get(context.Background(), "gpt-4o")
	fmt.Println(model.ID, err)
	// Output:
	// gpt-4o <nil>
}
