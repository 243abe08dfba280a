package redressanthropic_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressanthropic "github.com/redress-go/redress/contrib/anthropic"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var messageParams = anthropic.MessageNewParams{
	Model:     anthropic.ModelClaudeSonnet4_5,
	MaxTokens: 16,
	Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
}

func text(m *anthropic.Message) string {
	if m == nil || len(m.Content) == 0 {
		return ""
	}
	return m.Content[0].Text
}

func TestUnderExecute(t *testing.T) {
	srv := newAPI(t)
	c := srv.client(t)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithConsecutiveFailures(3), breaker.WithClock(clk))
	policy := redress.MustNew(
		redress.WithClassifier(redressanthropic.Classifier),
		redress.WithClock(clk),
		redress.WithBreaker(br),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second, 3*time.Second))),
	)
	send := func(ctx context.Context) (*anthropic.Message, error) {
		return c.Messages.New(ctx, messageParams)
	}

	t.Run("waits for the reset and retries", func(t *testing.T) {
		srv.play(rateLimited, overloaded, ok)
		msg, err := redress.Execute(t.Context(), send, policy)
		if err != nil {
			t.Fatalf("Execute: %v", err)
		}
		if text(msg) != "hello" || srv.requests() != 3 {
			t.Errorf("got %q after %d requests, want \"hello\" after 3", text(msg), srv.requests())
		}
		sleeps := clk.Sleeps()
		if len(sleeps) != 2 || sleeps[0] < 30*time.Second || sleeps[0] > 30500*time.Millisecond || sleeps[1] != 2*time.Second {
			t.Errorf("sleeps = %v, want [30s..30.5s (the reset and jitter), 2s (the backoff's second)]", sleeps)
		}
	})

	t.Run("spend limit is not retried", func(t *testing.T) {
		srv.play(spendLimit, ok)
		_, err := redress.Execute(t.Context(), send, policy)
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopNonRetryable {
			t.Fatalf("err = %v, want a NON_RETRYABLE_CLASS stop", err)
		}
		if srv.requests() != 1 {
			t.Errorf("requests = %d, want 1", srv.requests())
		}
	})

	t.Run("overload opens the breaker", func(t *testing.T) {
		srv.play(overloaded, overloaded, overloaded, overloaded, overloaded, overloaded)
		for range 3 {
			redress.Execute(t.Context(), send, policy, redress.WithRetry(retry.WithMaxAttempts(1)))
		}
		if br.State() != breaker.Open {
			t.Errorf("breaker is %v after three 529s, want open", br.State())
		}
		_, err := redress.Execute(t.Context(), send, policy)
		if !errors.Is(err, breaker.ErrOpen) || srv.requests() != 3 {
			t.Errorf("err = %v after %d requests, want breaker.ErrOpen after 3", err, srv.requests())
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

	srv.play(overloaded, with(rateLimited, "Retry-After", "3"), ok)
	msg, err := c.Messages.New(t.Context(), messageParams)
	if err != nil {
		t.Fatalf("Messages.New: %v", err)
	}
	if text(msg) != "hello" || srv.requests() != 3 {
		t.Errorf("got %q after %d requests, want \"hello\" after 3", text(msg), srv.requests())
	}
	sleeps := clk.Sleeps()
	if len(sleeps) != 2 || sleeps[0] != time.Second || sleeps[1] < 3*time.Second || sleeps[1] > 3500*time.Millisecond {
		t.Errorf("sleeps = %v, want [1s, 3s..3.5s]", sleeps)
	}

	srv.play(apiError, apiError, apiError, apiError, apiError, apiError, apiError)
	_, err = c.Messages.New(t.Context(), messageParams)
	var e *anthropic.Error
	if !errors.As(err, &e) || e.StatusCode != 500 {
		t.Errorf("err = %v, want the SDK's 500", err)
	}
	if srv.requests() != retry.DefaultMaxAttempts {
		t.Errorf("requests = %d, want the policy's %d and no retries of the SDK's own", srv.requests(), retry.DefaultMaxAttempts)
	}
}
