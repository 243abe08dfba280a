package redressopenai_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/openai/openai-go/v3"

	"github.com/redress-go/redress/classifier"
	redressopenai "github.com/redress-go/redress/contrib/openai"
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
	return reply{status: code, body: `{"error":{"message":"m","type":"t","param":null,"code":null}}`}
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
		{"429 waits for the exhausted limit's reset", rateLimited, classifier.RateLimit, 20 * time.Second},
		{"retry-after-ms first", with(rateLimited, "Retry-After-Ms", "1500", "Retry-After", "7"), classifier.RateLimit, 1500 * time.Millisecond},
		{"retry-after", with(rateLimited, "Retry-After", "7"), classifier.RateLimit, 7 * time.Second},
		{"malformed retry-after-ms", with(rateLimited, "Retry-After-Ms", "soon", "Retry-After", "7"), classifier.RateLimit, 7 * time.Second},
		{"token limit", with(rateLimited, "X-Ratelimit-Remaining-Requests", "2", "X-Ratelimit-Remaining-Tokens", "0"), classifier.RateLimit, 2 * time.Second},
		{"reset capped", with(rateLimited, "X-Ratelimit-Reset-Requests", "6m0s"), classifier.RateLimit, retry.DefaultMaxRetryAfter},
		{"retry-after capped", with(rateLimited, "Retry-After", "86400"), classifier.RateLimit, retry.DefaultMaxRetryAfter},
		{"429 without headers", reply{status: 429, body: rateLimited.body}, classifier.RateLimit, 0},
		{"insufficient quota", noQuota, classifier.Permanent, 0},
		{"insufficient quota, type only", reply{status: 429, body: `{"error":{"message":"m","type":"insufficient_quota","param":null,"code":null}}`}, classifier.Permanent, 0},
		{"500", serverError, classifier.ServerError, 0},
		{"503 with retry-after", with(overloaded, "Retry-After", "3"), classifier.ServerError, 3 * time.Second},
		{"503 reset headers are for 429s", with(overloaded, "X-Ratelimit-Remaining-Requests", "0", "X-Ratelimit-Reset-Requests", "9s"), classifier.ServerError, 0},
		{"401", badKey, classifier.Auth, 0},
		{"403", region, classifier.Permission, 0},
		{"400", badRequest, classifier.Permanent, 0},
		{"404", notFound, classifier.Permanent, 0},
		{"422", status(422), classifier.Permanent, 0},
		{"408", status(408), classifier.Transient, 0},
		{"409", status(409), classifier.Concurrency, 0},
		{"x-should-retry false", with(serverError, "X-Should-Retry", "false"), classifier.Permanent, 0},
		{"x-should-retry true", with(badRequest, "X-Should-Retry", "true"), classifier.Transient, 0},
		{"x-should-retry true keeps a retried class", with(rateLimited, "X-Should-Retry", "true"), classifier.RateLimit, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.play(tt.give)
			_, err := c.Models.Get(context.Background(), "gpt-4o")
			var e *openai.Error
			if !errors.As(err, &e) {
				t.Fatalf("Models.Get: %v, want an *openai.Error", err)
			}
			got := redressopenai.Classifier.Classify(err)
			if got.Class != tt.class || got.RetryAfter != tt.wait {
				t.Errorf("Classify = %v %v, want %v %v", got.Class, got.RetryAfter, tt.class, tt.wait)
			}
			for k, v := range got.Details {
				if strings.Contains(v, "sk-test") {
					t.Errorf("Details[%q] = %q holds the API key", k, v)
				}
			}
		})
	}
}

func TestClassifierDetails(t *testing.T) {
	srv := newAPI(t)
	c := srv.client(t)
	srv.play(noQuota)
	_, err := c.Models.Get(context.Background(), "gpt-4o")
	want := map[string]string{
		classifier.DetailHTTPStatus:   "429",
		classifier.DetailHTTPMethod:   "GET",
		classifier.DetailHTTPHost:     srv.srv.Listener.Addr().String(),
		redressopenai.DetailErrorCode: "insufficient_quota",
		redressopenai.DetailErrorType: "insufficient_quota",
		redressopenai.DetailRequestID: "req_test",
	}
	if diff := cmp.Diff(want, redressopenai.Classifier.Classify(err).Details); diff != "" {
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
	refused := errorOf(t, "http://"+addr, tr)
	tests := []struct {
		name string
		give error
		want classifier.Class
	}{
		{"nil", nil, classifier.Unknown},
		{"connection refused", refused, classifier.Transient},
		{"caller cancelled", context.Canceled, classifier.Unknown},
		{"marked", classifier.MarkTransient(&openai.Error{StatusCode: 400}), classifier.Transient},
		{"bare *openai.Error", &openai.Error{StatusCode: 502}, classifier.ServerError},
		{"nil *openai.Error", (*openai.Error)(nil), classifier.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redressopenai.Classifier.Classify(tt.give).Class; got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.give, got, tt.want)
			}
		})
	}
}
