package redressopenai_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/redress-go/redress"
	redressopenai "github.com/redress-go/redress/contrib/openai"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var chatParams = openai.ChatCompletionNewParams{
	Model:    openai.ChatModelGPT4o,
	Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
}

func TestUnderExecute(t *testing.T) {
	srv := newAPI(t)
	c := srv.client(t)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	policy := redress.MustNew(
		redress.WithClassifier(redressopenai.Classifier),
		redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second, 3*time.Second))),
	)
	chat := func(ctx context.Context) (*openai.ChatCompletion, error) {
		return c.Chat.Completions.New(ctx, chatParams)
	}

	t.Run("waits as asked and retries", func(t *testing.T) {
		srv.play(with(rateLimited, "Retry-After-Ms", "1500"), serverError, ok)
		resp, err := redress.Execute(t.Context(), chat, policy)
		if err != nil {
			t.Fatalf("Execute: %v", err)
		}
		if resp.Choices[0].Message.Content != "hello" || srv.requests() != 3 {
			t.Errorf("got %q after %d requests, want \"hello\" after 3", resp.Choices[0].Message.Content, srv.requests())
		}
		sleeps := clk.Sleeps()
		if len(sleeps) != 2 || sleeps[0] < 1500*time.Millisecond || sleeps[0] > 2*time.Second || sleeps[1] != 2*time.Second {
			t.Errorf("sleeps = %v, want [1.5s..2s (retry-after-ms and jitter), 2s (the backoff's second)]", sleeps)
		}
	})

	t.Run("insufficient quota is not retried", func(t *testing.T) {
		srv.play(noQuota, ok)
		_, err := redress.Execute(t.Context(), chat, policy)
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopNonRetryable {
			t.Fatalf("err = %v, want a NON_RETRYABLE_CLASS stop", err)
		}
		var e *openai.Error
		if !errors.As(err, &e) || e.Code != "insufficient_quota" {
			t.Errorf("err = %v, want the SDK's *openai.Error inside", err)
		}
		if srv.requests() != 1 {
			t.Errorf("requests = %d, want 1", srv.requests())
		}
	})
}

func TestThroughTransport(t *testing.T) {
	srv := newAPI(t)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	policy := redress.MustNew(
		redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second))),
	)
	c := srv.client(t, option.WithHTTPClient(&http.Client{Transport: &redresshttp.Transport{
		Base: tr, Policy: policy, RetryNonIdempotent: true,
	}}))

	srv.play(serverError, with(rateLimited, "Retry-After", "3"), ok)
	resp, err := c.Chat.Completions.New(t.Context(), chatParams)
	if err != nil {
		t.Fatalf("Chat.Completions.New: %v", err)
	}
	if resp.Choices[0].Message.Content != "hello" || srv.requests() != 3 {
		t.Errorf("got %q after %d requests, want \"hello\" after 3", resp.Choices[0].Message.Content, srv.requests())
	}
	sleeps := clk.Sleeps()
	if len(sleeps) != 2 || sleeps[0] != time.Second || sleeps[1] < 3*time.Second || sleeps[1] > 3500*time.Millisecond {
		t.Errorf("sleeps = %v, want [1s, 3s..3.5s]", sleeps)
	}

	// The last failure comes back as the SDK's error, once the policy's
	// attempts have run out, and the SDK does not retry it again.
	srv.play(serverError, serverError, serverError, serverError, serverError, serverError, serverError)
	_, err = c.Chat.Completions.New(t.Context(), chatParams)
	var e *openai.Error
	if !errors.As(err, &e) || e.StatusCode != 500 {
		t.Errorf("err = %v, want the SDK's 500", err)
	}
	if diff := cmp.Diff(retry.DefaultMaxAttempts, srv.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
