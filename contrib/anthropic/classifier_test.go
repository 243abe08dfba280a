package redressanthropic_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
	redressanthropic "github.com/redress-go/redress/contrib/anthropic"
	"github.com/redress-go/redress/retry"
)

// with returns r with more headers.
func with(r reply, kv ...string) reply {
	h := map[string]string{}
	for k, v := range r.header {
		h[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	r.header = h
	return r
}

func status(code int) reply {
	return reply{status: code, body: `{"type":"error","error":{"type":"t","message":"m"}}`}
}

func getModel(c anthropic.Client) error {
	_, err := c.Models.Get(context.Background(), "claude-sonnet-4-5", anthropic.ModelGetParams{})
	return err
}

func TestClassifierOnSDKErrors(t *testing.T) {
	srv := newAPI(t)
	c := srv.client(t)
	tests := []struct {
		name  string
		give  reply
		class classifier.Class
		wait  time.Duration
	}{
		{"429 waits for the exhausted limit's reset", rateLimited, classifier.RateLimit, 30 * time.Second},
		{"retry-after first", with(rateLimited, "Retry-After", "7"), classifier.RateLimit, 7 * time.Second},
		{"retry-after-ms before retry-after", with(rateLimited, "Retry-After-Ms", "1500", "Retry-After", "7"), classifier.RateLimit, 1500 * time.Millisecond},
		{"token limit", with(rateLimited, "Anthropic-Ratelimit-Requests-Remaining", "3", "Anthropic-Ratelimit-Tokens-Remaining", "0"), classifier.RateLimit, 2 * time.Second},
		{"output tokens", with(rateLimited, "Anthropic-Ratelimit-Requests-Remaining", "3",
			"Anthropic-Ratelimit-Output-Tokens-Remaining", "0", "Anthropic-Ratelimit-Output-Tokens-Reset", "2026-11-30T01:00:45Z"), classifier.RateLimit, 45 * time.Second},
		{"reset past", with(rateLimited, "Anthropic-Ratelimit-Requests-Reset", "2026-11-30T00:59:00Z"), classifier.RateLimit, 0},
		{"reset capped", with(rateLimited, "Anthropic-Ratelimit-Requests-Reset", "2026-11-30T02:00:00Z"), classifier.RateLimit, retry.DefaultMaxRetryAfter},
		{"spend limit", spendLimit, classifier.Permanent, 0},
		{"contract spend limit", contractLimit, classifier.Permanent, 0},
		{"529 overloaded", overloaded, classifier.ServerError, 0},
		{"529 with retry-after", with(overloaded, "Retry-After", "10"), classifier.ServerError, 10 * time.Second},
		{"500", apiError, classifier.ServerError, 0},
		{"504", timeout, classifier.ServerError, 0},
		{"401", badKey, classifier.Auth, 0},
		{"403", forbidden, classifier.Permission, 0},
		{"402", billing, classifier.Permanent, 0},
		{"400", badRequest, classifier.Permanent, 0},
		{"404", notFound, classifier.Permanent, 0},
		{"413", tooLarge, classifier.Permanent, 0},
		{"408", status(408), classifier.Transient, 0},
		{"409", status(409), classifier.Concurrency, 0},
		{"x-should-retry false", with(overloaded, "X-Should-Retry", "false"), classifier.Permanent, 0},
		{"x-should-retry true", with(badRequest, "X-Should-Retry", "true"), classifier.Transient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.play(tt.give)
			err := getModel(c)
			var e *anthropic.Error
			if !errors.As(err, &e) {
				t.Fatalf("Models.Get: %v, want an *anthropic.Error", err)
			}
			got := redressanthropic.Classifier.Classify(err)
			if got.Class != tt.class || got.RetryAfter != tt.wait {
				t.Errorf("Classify = %v %v, want %v %v", got.Class, got.RetryAfter, tt.class, tt.wait)
			}
			for k, v := range got.Details {
				if strings.Contains(v, "sk-ant-test") {
					t.Errorf("Details[%q] = %q holds the API key", k, v)
				}
			}
		})
	}
}

func TestClassifierDetails(t *testing.T) {
	srv := newAPI(t)
	c := srv.client(t)
	srv.play(spendLimit)
	want := map[string]string{
		classifier.DetailHTTPStatus:      "429",
		classifier.DetailHTTPMethod:      "GET",
		classifier.DetailHTTPHost:        srv.srv.Listener.Addr().String(),
		redressanthropic.DetailErrorType: "rate_limit_error",
		redressanthropic.DetailErrorCode: "enforced_spend_limit_reached",
		redressanthropic.DetailRequestID: "req_test",
	}
	if diff := cmp.Diff(want, redressanthropic.Classifier.Classify(getModel(c)).Details); diff != "" {
		t.Errorf("Details (-want +got):\n%s", diff)
	}
}

func TestClassifierOtherErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	refused := getModel(newClient("http://"+addr, tr))
	if refused == nil {
		t.Fatal("Models.Get to a closed port succeeded")
	}

	tests := []struct {
		name string
		give error
		want classifier.Class
	}{
		{"nil", nil, classifier.Unknown},
		{"connection refused", refused, classifier.Transient},
		{"caller cancelled", context.Canceled, classifier.Unknown},
		{"marked", classifier.MarkTransient(&anthropic.Error{StatusCode: 400}), classifier.Transient},
		{"bare *anthropic.Error", &anthropic.Error{StatusCode: 529}, classifier.ServerError},
		{"nil *anthropic.Error", (*anthropic.Error)(nil), classifier.Unknown},
		{"no response", &anthropic.Error{StatusCode: 429, Request: &http.Request{Method: "POST"}}, classifier.RateLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redressanthropic.Classifier.Classify(tt.give).Class; got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}
