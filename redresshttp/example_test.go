package redresshttp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// flakyServer starts a server on loopback that answers its first request
// with status, and every later one with 200 and "hello". It counts the
// requests it receives in n.
func flakyServer(status int, header http.Header, n *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			for k, v := range header {
				w.Header()[k] = v
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
		fmt.Fprint(w, "hello")
	}))
}

// A client whose requests go through a policy: the server fails once with
// 503, the Transport retries, and the caller sees only the 200.
func ExampleTransport() {
	var requests atomic.Int32
	srv := flakyServer(http.StatusServiceUnavailable, nil, &requests)
	defer srv.Close()

	policy := redress.MustNew(
		redress.WithOperation("hello.get"),
		redress.WithRetry(retry.WithBackoff(backoff.Constant(10*time.Millisecond))),
	)
	client := &http.Client{Transport: &redresshttp.Transport{Policy: policy}}
	defer client.CloseIdleConnections()

	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s %q after %d requests\n", resp.Status, body, requests.Load())
	// Output: 200 OK "hello" after 2 requests
}

// What RoundTrip returns: the last response when retries run out on a
// failing status, and the policy's StopError when there is no response.
func ExampleTransport_RoundTrip() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	tr := &redresshttp.Transport{Policy: redress.MustNew(redress.WithRetry(
		retry.WithMaxAttempts(3),
		retry.WithBackoff(backoff.Constant(10*time.Millisecond)),
	))}
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("%s: %s", resp.Status, body)

	srv.Close() // now every connection is refused
	req, _ = http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err = tr.RoundTrip(req)
	var se *redress.StopError
	if errors.As(err, &se) {
		fmt.Println(se.Reason, se.Attempts, se.LastClass)
	}
	// Output:
	// 503 Service Unavailable: down for maintenance
	// MAX_ATTEMPTS_GLOBAL 3 TRANSIENT
}

// A POST is not idempotent, so it is sent once and its 503 comes back as
// a response; the same POST with an Idempotency-Key is retried.
func ExampleTransport_idempotency() {
	policy := redress.MustNew(redress.WithRetry(retry.WithBackoff(backoff.Constant(10 * time.Millisecond))))
	client := &http.Client{Transport: &redresshttp.Transport{Policy: policy}}
	defer client.CloseIdleConnections()

	for _, key := range []string{"", "order-7"} {
		var requests atomic.Int32
		srv := flakyServer(http.StatusServiceUnavailable, nil, &requests)
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"item":42}`))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
		} else {
			resp.Body.Close()
			fmt.Printf("Idempotency-Key %q: %s after %d requests\n", key, resp.Status, requests.Load())
		}
		srv.Close()
	}
	// Output:
	// Idempotency-Key "": 503 Service Unavailable after 1 requests
	// Idempotency-Key "order-7": 200 OK after 2 requests
}

// NewClient builds the client from options. The server asks for 30
// seconds with Retry-After; InstantRetries keeps the test from waiting
// them.
func ExampleNewClient() {
	var requests atomic.Int32
	srv := flakyServer(http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}, &requests)
	defer srv.Close()

	client, err := redresshttp.NewClient(
		redress.WithObserver(redress.ObserverFunc(func(_ context.Context, e redress.Event) {
			if e.Name == redress.EventRetry {
				fmt.Printf("retrying %s: the server asked for %v\n", e.Class, e.RetryAfter)
			}
		})),
		redresstest.InstantRetries(), // in a test: sleep no real time
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()

	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, "after", requests.Load(), "requests")
	// Output:
	// retrying RATE_LIMIT: the server asked for 30s
	// 200 OK after 2 requests
}

// Doing it by hand: an operation that calls http.Client.Do and turns a
// failing status into an error with CheckResponse, so that the policy
// classifies it by its status.
func ExampleCheckResponse() {
	var requests atomic.Int32
	srv := flakyServer(http.StatusBadGateway, nil, &requests)
	defer srv.Close()
	client := &http.Client{}
	defer client.CloseIdleConnections()

	get := func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			return "", classifier.MarkPermanent(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		if err := redresshttp.CheckResponse(resp, time.Now()); err != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection is reused
			return "", err
		}
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	var rec redresstest.Recorder
	body, err := redress.Execute(context.Background(), get,
		redress.WithRetry(retry.WithBackoff(backoff.Constant(10*time.Millisecond))), rec.Option())
	fmt.Printf("%q %v; classes retried: %v\n", body, err, rec.Classes())
	// Output: "hello" <nil>; classes retried: [SERVER_ERROR]
}

// A StatusError is classified by its status, and a 429's by its wait.
func ExampleStatusError() {
	for _, err := range []error{
		&redresshttp.StatusError{Code: http.StatusNotFound},
		&redresshttp.StatusError{Code: http.StatusTooManyRequests, Wait: 2 * time.Second},
		fmt.Errorf("fetching user 42: %w", &redresshttp.StatusError{Code: http.StatusServiceUnavailable}),
	} {
		c := classifier.Default.Classify(err)
		var se *redresshttp.StatusError
		errors.As(err, &se)
		fmt.Printf("%d: %s, retryable %t, wait %v\n", se.StatusCode(), c.Class, c.Class.Retryable(), c.RetryAfter)
	}
	// Output:
	// 404: PERMANENT, retryable false, wait 0s
	// 429: RATE_LIMIT, retryable true, wait 2s
	// 503: SERVER_ERROR, retryable true, wait 0s
}
