package redresshttp_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

// A failure of a request that may be sent only once, which would have
// been retried, stops the call NON_RETRYABLE_CLASS and says why, and the
// breaker still counts it by the class it had.
func TestTransportSendOnceStopsNonRetryable(t *testing.T) {
	srv := newServer(t, statuses(503, 200)...)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
	var rec redresstest.Recorder
	var log eventLog
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk,
		redress.WithBreaker(br), rec.Option(), redress.WithObserver(&log))}
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("order"))

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || srv.requests() != 1 {
		t.Errorf("status %d after %d requests; want 503 after 1", resp.StatusCode, srv.requests())
	}
	if diff := cmp.Diff([]redress.StopReason{redress.StopNonRetryable}, rec.Reasons()); diff != "" {
		t.Errorf("stop reasons (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventPermanentFail, redress.EventCircuitOpened}, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	last := log.all()[0]
	var se *redress.StopError
	if !errors.As(last.Err, &se) || !strings.Contains(se.Error(), "not sent again, as method POST is not idempotent") {
		t.Errorf("stop error %v; want it to say why the request was not sent again", last.Err)
	}
	wantDetails := map[string]string{
		classifier.DetailHTTPStatus: "503", classifier.DetailHTTPMethod: "POST",
		classifier.DetailHTTPHost:  strings.TrimPrefix(srv.URL, "http://"),
		redresshttp.DetailSentOnce: "method POST is not idempotent and the request has no Idempotency-Key",
		redresshttp.DetailClass:    "SERVER_ERROR",
	}
	cl := redresshttp.Classify(tr, se.Err)
	if diff := cmp.Diff(classifier.Classification{Class: classifier.Permanent, Details: wantDetails}, cl); diff != "" {
		t.Errorf("classification (-want +got):\n%s", diff)
	}
	if !br.IsOpen() {
		t.Errorf("breaker %v after a SERVER_ERROR with a threshold of 1; want open", br.State())
	}
}

// A request sent once that fails without a response returns the
// NON_RETRYABLE_CLASS StopError, which still matches the error.
func TestTransportSendOnceConnectionRefused(t *testing.T) {
	srv := newServer(t, reply(200))
	url := srv.URL
	srv.Close()
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk)}
	req, _ := http.NewRequest(http.MethodPatch, url, nil)

	resp, err := tr.RoundTrip(req)
	var se *redress.StopError
	if resp != nil || !errors.As(err, &se) || se.Reason != redress.StopNonRetryable || se.Attempts != 1 {
		t.Fatalf("RoundTrip = %v, %v; want a NON_RETRYABLE_CLASS StopError after 1 attempt", resp, err)
	}
	if got := redresshttp.Classify(tr, se.Err).Details[redresshttp.DetailClass]; got != "TRANSIENT" {
		t.Errorf("%s = %q; want TRANSIENT", redresshttp.DetailClass, got)
	}
}

// keyServer answers 503 and then 200, and records the Idempotency-Key of
// every request.
type keyServer struct {
	mu   sync.Mutex
	keys []string
}

func (k *keyServer) handler(t *testing.T) *server {
	return newServer(t, func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.keys = append(k.keys, r.Header.Get("Idempotency-Key"))
		k.mu.Unlock()
		reply(503)(w, r)
	}, func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.keys = append(k.keys, r.Header.Get("Idempotency-Key"))
		k.mu.Unlock()
		reply(200)(w, r)
	})
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestTransportAddsIdempotencyKey(t *testing.T) {
	t.Run("POST: one key for every attempt, retried", func(t *testing.T) {
		var ks keyServer
		srv := ks.handler(t)
		clk := redresstest.NewAutoClock(time.Unix(0, 0))
		tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk), AddIdempotencyKey: true}
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("order"))

		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("RoundTrip: %v", err)
		}
		resp.Body.Close()
		if diff := cmp.Diff([]string{"order", "order"}, srv.received()); diff != "" {
			t.Errorf("bodies received (-want +got):\n%s", diff)
		}
		if len(ks.keys) != 2 || ks.keys[0] != ks.keys[1] || !uuidV4.MatchString(ks.keys[0]) {
			t.Errorf("keys %q; want the same UUID v4 twice", ks.keys)
		}
		if _, ok := req.Header["Idempotency-Key"]; ok {
			t.Errorf("the caller's request was given a key")
		}
	})
	t.Run("a new key for each request", func(t *testing.T) {
		var ks keyServer
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			ks.mu.Lock()
			ks.keys = append(ks.keys, r.Header.Get("Idempotency-Key"))
			ks.mu.Unlock()
		})
		tr := &redresshttp.Transport{Base: newBase(t), AddIdempotencyKey: true}
		for range 2 {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
		}
		if len(ks.keys) != 2 || ks.keys[0] == ks.keys[1] {
			t.Errorf("keys %q; want two different keys", ks.keys)
		}
	})
	for _, tt := range []struct {
		name       string
		giveMethod string
		giveHeader http.Header
		want       []string
	}{
		{name: "GET gets no key", giveMethod: http.MethodGet, want: []string{"", ""}},
		{name: "a key of the caller's is kept", giveMethod: http.MethodPost,
			giveHeader: http.Header{"Idempotency-Key": {"mine"}}, want: []string{"mine", "mine"}},
		{name: "X-Idempotency-Key: no key added", giveMethod: http.MethodPost,
			giveHeader: http.Header{"X-Idempotency-Key": {"mine"}}, want: []string{"", ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ks keyServer
			srv := ks.handler(t)
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk), AddIdempotencyKey: true}
			req, _ := http.NewRequest(tt.giveMethod, srv.URL, nil)
			for k, v := range tt.giveHeader {
				req.Header[k] = v
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
			if diff := cmp.Diff(tt.want, ks.keys); diff != "" {
				t.Errorf("keys received (-want +got):\n%s", diff)
			}
		})
	}
}
