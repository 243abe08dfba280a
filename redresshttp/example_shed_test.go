package redresshttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/retry"
)

// Server middleware that sheds load: the handler fails twice with 500,
// which opens the breaker; the next request is answered 503 at once, with
// the seconds until the breaker lets a probe through, and never reaches
// the handler.
func ExampleShed() {
	br := breaker.New(breaker.WithFailureThreshold(2), breaker.WithRecoveryTimeout(30*time.Second))
	var calls atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "database down", http.StatusInternalServerError)
	})
	srv := httptest.NewServer(redresshttp.Shed(redress.WithBreaker(br))(handler))
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()

	for range 3 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			fmt.Println(resp.Status, "Retry-After:", ra)
		} else {
			fmt.Println(resp.Status)
		}
	}
	fmt.Println("handler calls:", calls.Load())
	// Output:
	// 500 Internal Server Error
	// 500 Internal Server Error
	// 503 Service Unavailable Retry-After: 30
	// handler calls: 2
}

// With AddIdempotencyKey, the Transport gives a POST an Idempotency-Key,
// the same on every attempt, so that it may be retried.
func ExampleTransport_addIdempotencyKey() {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		first := len(keys) == 1
		mu.Unlock()
		if first {
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	policy := redress.MustNew(redress.WithRetry(retry.WithBackoff(backoff.Constant(10 * time.Millisecond))))
	client := &http.Client{Transport: &redresshttp.Transport{Policy: policy, AddIdempotencyKey: true}}
	defer client.CloseIdleConnections()

	resp, err := client.Post(srv.URL, "application/json", strings.NewReader(`{"item":42}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	fmt.Println(resp.Status, "after", len(keys), "requests; same key:", keys[0] == keys[1], "; key length:", len(keys[0]))
	// Output: 200 OK after 2 requests; same key: true ; key length: 36
}

// The operation name in events comes from the request's context, or else
// from the Transport's Operation, or else from the policy.
func ExampleWithOperation() {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	printOperation := redress.ObserverFunc(func(_ context.Context, e redress.Event) {
		fmt.Println(e.Name, e.Operation)
	})
	tr := &redresshttp.Transport{
		Policy:    redress.MustNew(redress.WithOperation("api"), redress.WithObserver(printOperation)),
		Operation: func(r *http.Request) string { return "api." + strings.ToLower(r.Method) },
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	ctx := redresshttp.WithOperation(context.Background(), "users.get")
	for _, ctx := range []context.Context{ctx, context.Background()} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/users/42", nil)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	// Output:
	// success users.get
	// success api.get
}
