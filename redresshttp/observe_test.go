package redresshttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

// eventLog is an observer that keeps every event.
type eventLog struct {
	mu     sync.Mutex
	events []redress.Event
}

func (l *eventLog) Observe(_ context.Context, e redress.Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) all() []redress.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]redress.Event(nil), l.events...)
}

// Credentials in the URL's query or user information, or in a header,
// reach no observer: not in events, not in the messages of the errors
// they carry, not in the Details of their classification.
func TestTransportKeepsCredentialsFromObservers(t *testing.T) {
	const (
		queryKey  = "sk-query-0123456789"
		headerKey = "sk-header-9876543210"
		password  = "hunter2-password"
	)
	live := newServer(t, statuses(503)...)
	dead := newServer(t, reply(200))
	deadURL := dead.URL
	dead.Close()
	tests := []struct {
		name      string
		giveURL   string
		wantClass classifier.Class
	}{
		{name: "failing status", giveURL: live.URL, wantClass: classifier.ServerError},
		{name: "connection refused", giveURL: deadURL, wantClass: classifier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log eventLog
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, redress.WithObserver(&log))}
			url := strings.Replace(tt.giveURL, "http://", "http://user:"+password+"@", 1) + "/v1/things?api_key=" + queryKey
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+headerKey)

			resp, err := tr.RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			events := log.all()
			if len(events) == 0 {
				t.Fatalf("no events (RoundTrip: %v)", err)
			}
			var seen []string // everything an observer could print
			for _, e := range events {
				seen = append(seen, fmt.Sprintf("%+v", e))
				for _, err := range []error{e.Err, e.Cause} {
					for ; err != nil; err = errors.Unwrap(err) {
						seen = append(seen, err.Error())
					}
				}
				if e.Name == redress.EventRetry {
					cl := redresshttp.Classify(tr, e.Err)
					host := strings.TrimPrefix(tt.giveURL, "http://")
					if cl.Class != tt.wantClass || cl.Details[classifier.DetailHTTPMethod] != "GET" ||
						cl.Details[classifier.DetailHTTPHost] != host {
						t.Errorf("retry of class %v with Details %v; want %v, GET and %s", cl.Class, cl.Details, tt.wantClass, host)
					}
					seen = append(seen, fmt.Sprint(cl.Details))
				}
			}
			if err != nil {
				seen = append(seen, err.Error())
			}
			for _, s := range seen {
				for _, secret := range []string{queryKey, headerKey, password, "api_key", "/v1/things"} {
					if strings.Contains(s, secret) {
						t.Errorf("an observer sees %q in %s", secret, s)
					}
				}
			}
		})
	}
}

// A failing response reaches observers as a StatusError that names the
// method, host and status, and its classification's Details hold them.
func TestTransportDescribesFailingResponses(t *testing.T) {
	srv := newServer(t, reply(503, "Retry-After", "1"), reply(200))
	var log eventLog
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, redress.WithObserver(&log))}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/items/7?token=x", nil)

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	resp.Body.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	var se *redresshttp.StatusError
	retry := log.all()[0]
	if retry.Name != redress.EventRetry || !errors.As(retry.Err, &se) {
		t.Fatalf("first event %v with error %v; want a retry with a *StatusError", retry.Name, retry.Err)
	}
	want := "redresshttp: DELETE " + host + ": status 503 Service Unavailable"
	if got := retry.Err.Error(); got != want {
		t.Errorf("error %q; want %q", got, want)
	}
	wantCl := classifier.Classification{Class: classifier.ServerError, RetryAfter: time.Second, Details: map[string]string{
		classifier.DetailHTTPStatus: "503", classifier.DetailHTTPMethod: "DELETE", classifier.DetailHTTPHost: host}}
	if diff := cmp.Diff(wantCl, redresshttp.Classify(tr, retry.Err)); diff != "" {
		t.Errorf("classification (-want +got):\n%s", diff)
	}
}

// The operation name comes from the request's context, then from the
// Transport's Operation, then from the policy.
func TestTransportOperationName(t *testing.T) {
	byMethod := func(r *http.Request) string { return "api." + strings.ToLower(r.Method) }
	tests := []struct {
		name          string
		giveCtx       context.Context
		giveOperation func(*http.Request) string
		want          string
	}{
		{name: "the policy's", giveCtx: context.Background(), want: "api"},
		{name: "the Transport's", giveCtx: context.Background(), giveOperation: byMethod, want: "api.get"},
		{name: "an empty name from the Transport: the policy's", giveCtx: context.Background(),
			giveOperation: func(*http.Request) string { return "" }, want: "api"},
		{name: "the context's", giveCtx: redresshttp.WithOperation(context.Background(), "users.get"), want: "users.get"},
		{name: "the context's before the Transport's", giveCtx: redresshttp.WithOperation(context.Background(), "users.get"),
			giveOperation: byMethod, want: "users.get"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, statuses(503, 200)...)
			var log eventLog
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Operation: tt.giveOperation,
				Policy: testPolicy(clk, redress.WithOperation("api"), redress.WithObserver(&log))}
			req, _ := http.NewRequestWithContext(tt.giveCtx, http.MethodGet, srv.URL, nil)

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
			var got []string
			for _, e := range log.all() {
				got = append(got, e.Operation)
			}
			if diff := cmp.Diff([]string{tt.want, tt.want}, got); diff != "" {
				t.Errorf("operations of the retry and success events (-want +got):\n%s", diff)
			}
		})
	}
}

// A 503 with Retry-After waits as the server asked, under the default
// policy.
func TestTransportServerErrorRetryAfterByDefault(t *testing.T) {
	srv := newServer(t, reply(503, "Retry-After", "2"), reply(200))
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: redress.MustNew(redress.WithClock(clk))}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	resp.Body.Close()
	sleeps := clk.Sleeps()
	if resp.StatusCode != 200 || len(sleeps) != 1 || sleeps[0] < 2*time.Second || sleeps[0] > 2*time.Second+500*time.Millisecond {
		t.Errorf("status %d after sleeps %v; want 200 after one sleep of 2 s and at most 0.5 s of jitter", resp.StatusCode, sleeps)
	}
}
