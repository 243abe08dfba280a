// The code of docs/http.md: every Go block of the guide is an excerpt of
// this file, whose tests run it.

package redresshttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/docsync"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// User is what the guide's users API returns.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

func TestGuideTransport(t *testing.T) {
	usersURL := newServer(t, reply(200)).URL

	policy := redress.MustNew(
		redress.WithOperation("users.api"),
		redress.WithBreaker(breaker.New()),
		redress.WithAttemptTimeout(2*time.Second),
	)
	client := &http.Client{Transport: &redresshttp.Transport{Policy: policy}}
	resp, err := client.Get(usersURL + "/v1/users/42")

	defer client.CloseIdleConnections()
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, resp); resp.StatusCode != 200 || got != "answer 1" {
		t.Errorf("got %d %q; want 200 %q", resp.StatusCode, got, "answer 1")
	}
}

func TestGuideTransportFields(t *testing.T) {
	paymentsURL := newServer(t, reply(503), reply(201)).URL
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	policy := redress.MustNew(redress.WithClock(clk))

	client := &http.Client{Transport: &redresshttp.Transport{
		Policy:            policy,
		AddIdempotencyKey: true, // POSTs get a key, and may be retried
		Operation: func(r *http.Request) string {
			return "payments." + strings.ToLower(r.Method) // never the path
		},
	}}
	resp, err := client.Post(paymentsURL+"/v1/charges", "application/json", strings.NewReader(`{"amount":100}`))

	defer client.CloseIdleConnections()
	if err != nil {
		t.Fatal(err)
	}
	if got := readBody(t, resp); resp.StatusCode != 201 || got != "answer 2" {
		t.Errorf("got %d %q; want 201 %q", resp.StatusCode, got, "answer 2")
	}
}

func TestGuideOperationFromContext(t *testing.T) {
	usersURL := newServer(t, reply(200)).URL
	var rec redresstest.Recorder
	client := &http.Client{Transport: &redresshttp.Transport{Base: newBase(t), Policy: redress.MustNew(rec.Option())}}
	ctx := context.Background()

	ctx = redresshttp.WithOperation(ctx, "users.get")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, usersURL+"/v1/users/42", nil)
	resp, err := client.Do(req)

	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rec.Events(); len(got) != 1 || got[0].Operation != "users.get" {
		t.Errorf("events %v; want one success of users.get", got)
	}
}

func TestGuideNoRetryAfterFor503(t *testing.T) {
	srv := newServer(t, reply(503, "Retry-After", "2"), reply(200))

	policy := redress.MustNew(
		redress.WithRetry(retry.WithBackoffFor(classifier.ServerError,
			backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second))),
	)

	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: redress.MustNew(policy, redress.WithClock(clk))}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := clk.Sleeps(); len(s) != 1 || s[0] >= 2*time.Second {
		t.Errorf("slept %v; want once, less than the server's 2 s", s)
	}
}

func TestGuideShed(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

	shed := redresshttp.Shed(
		redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(20))),
		redress.WithAttemptTimeout(10*time.Second), // each request's context
	)
	srv := &http.Server{Addr: ":8080", Handler: shed(mux)}

	rec := httptest.NewRecorder()
	srv.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != 200 || rec.Body.String() != "ok" {
		t.Errorf("got %d %q; want 200 ok", rec.Code, rec.Body)
	}
}

func fetchUser(ctx context.Context, client *http.Client, policy *redress.Policy, url string) (User, error) {
	return redress.Execute(ctx, func(ctx context.Context) (User, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return User{}, classifier.MarkPermanent(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return User{}, err
		}
		defer resp.Body.Close()
		if err := redresshttp.CheckResponse(resp, time.Now()); err != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // reuse the connection
			return User{}, err
		}
		var u User
		return u, json.NewDecoder(resp.Body).Decode(&u)
	}, policy)
}

func TestGuideByHand(t *testing.T) {
	srv := newServer(t, reply(503), func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":42,"name":"Ada"}`)
	})
	client := &http.Client{Transport: newBase(t)}
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	var rec redresstest.Recorder
	policy := testPolicy(clk, rec.Option())

	got, err := fetchUser(context.Background(), client, policy, srv.URL+"/v1/users/42")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(User{ID: 42, Name: "Ada"}, got); diff != "" {
		t.Errorf("fetchUser (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]classifier.Class{classifier.ServerError}, rec.Classes()); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
}

// TestGuideExamplesAreTested keeps the guide honest: each of its Go
// blocks must be an excerpt of this file, whose tests run it.
func TestGuideExamplesAreTested(t *testing.T) {
	docsync.Check(t, "../docs/http.md", "guide_test.go")
}
