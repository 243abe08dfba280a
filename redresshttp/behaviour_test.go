package redresshttp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestTransportDrainsDiscardedResponses(t *testing.T) {
	tests := []struct {
		name     string
		giveSize int // of each 503's body
		want     []bodyStat
	}{
		{
			name:     "small bodies drained to the end",
			giveSize: 10,
			want:     []bodyStat{{Read: 10, Closed: true}, {Read: 10, Closed: true}, {Read: len("answer 3"), Closed: true}},
		},
		{
			name:     "large bodies drained up to 64 KiB",
			giveSize: 100 << 10,
			want:     []bodyStat{{Read: 64 << 10, Closed: true}, {Read: 64 << 10, Closed: true}, {Read: len("answer 3"), Closed: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fail := func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(503)
				io.WriteString(w, strings.Repeat("x", tt.giveSize))
			}
			srv := newServer(t, fail, fail, reply(200))
			log := &bodyLog{base: newBase(t)}
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: log, Policy: testPolicy(clk)}
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			if got := readBody(t, resp); got != "answer 3" {
				t.Errorf("body = %q; want %q", got, "answer 3")
			}
			redresshttp.WaitForDrains(tr)
			if diff := cmp.Diff(tt.want, log.stats()); diff != "" {
				t.Errorf("bodies once drained and read (-want +got):\n%s", diff)
			}
		})
	}
}

// resetConnection aborts the connection with a TCP reset, as a crashing
// server or a load balancer would.
func resetConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

func TestTransportRetriesResetConnection(t *testing.T) {
	srv := newServer(t, resetConnection, reply(200))
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	var rec redresstest.Recorder
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, rec.Option())}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	got := outcome{Status: resp.StatusCode, Body: readBody(t, resp), Requests: srv.requests(), Sleeps: clk.Sleeps()}
	want := outcome{Status: 200, Body: "answer 2", Requests: 2, Sleeps: []time.Duration{time.Second}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RoundTrip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]classifier.Class{classifier.Transient}, rec.Classes()); diff != "" {
		t.Errorf("classes (-want +got):\n%s; errors %v", diff, rec.Errors())
	}
}

func TestTransportBehindBreaker(t *testing.T) {
	srv := newServer(t, statuses(500)...)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
	client := &http.Client{Transport: &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk,
		redress.WithBreaker(br), redress.WithRetry(retry.WithMaxAttempts(2)))}}

	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatalf("first call: %v", err)
	}
	if got := readBody(t, resp); resp.StatusCode != 500 || got != "answer 2" {
		t.Errorf("first call: %d %q; want 500 %q", resp.StatusCode, got, "answer 2")
	}
	if !br.IsOpen() {
		t.Fatalf("breaker %v after two 500s; want open", br.State())
	}

	body := &closeCounter{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequest(http.MethodPut, srv.URL, body)
	resp, err = client.Do(req)
	var se *redress.StopError
	if resp != nil || !errors.Is(err, breaker.ErrOpen) || !errors.As(err, &se) || se.Reason != redress.StopCircuitOpen {
		t.Fatalf("second call = %v, %v; want a CIRCUIT_OPEN StopError", resp, err)
	}
	if got := srv.requests(); got != 2 {
		t.Errorf("server received %d requests; want 2", got)
	}
	if body.closed != 1 {
		t.Errorf("unsent request body closed %d times; want 1", body.closed)
	}
}

// A transport error on the last attempt is returned as the StopError.
func TestTransportConnectionRefused(t *testing.T) {
	srv := newServer(t, reply(200))
	url := srv.URL
	srv.Close()
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk)}
	req, _ := http.NewRequest(http.MethodGet, url, nil)

	resp, err := tr.RoundTrip(req)
	var se *redress.StopError
	if resp != nil || !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts || se.LastClass != classifier.Transient {
		t.Fatalf("RoundTrip = %v, %v; want a MAX_ATTEMPTS_GLOBAL StopError of class TRANSIENT", resp, err)
	}
	if se.Attempts != retry.DefaultMaxAttempts {
		t.Errorf("%d attempts; want %d", se.Attempts, retry.DefaultMaxAttempts)
	}
}

// A call that stops after a failing status, for whatever reason but the
// caller's, returns that status's response.
func TestTransportReturnsTheLastResponse(t *testing.T) {
	type want struct {
		Outcome outcome
		Reasons []redress.StopReason
	}
	degraded := func(context.Context, error) (*http.Response, error) {
		return &http.Response{StatusCode: 299, Body: io.NopCloser(strings.NewReader("from the fallback"))}, nil
	}
	tests := []struct {
		name     string
		giveCtx  context.Context
		giveOpts []redress.Option
		want     want
	}{
		{
			name:     "the budget denies the retry",
			giveCtx:  context.Background(),
			giveOpts: []redress.Option{redress.WithBudget(redresstest.NewBudget(0))},
			want:     want{outcome{Status: 503, Body: "answer 1", Requests: 1}, []redress.StopReason{redress.StopBudgetExhausted}},
		},
		{
			name:     "defer mode",
			giveCtx:  context.Background(),
			giveOpts: []redress.Option{redress.WithRetry(retry.WithDefer(true))},
			want:     want{outcome{Status: 503, Body: "answer 1", Requests: 1}, []redress.StopReason{redress.StopScheduled}},
		},
		{
			name:    "redresstest.NoRetries",
			giveCtx: redresstest.NoRetries(context.Background()),
			want:    want{outcome{Status: 503, Body: "answer 1", Requests: 1}, []redress.StopReason{redress.StopMaxAttempts}},
		},
		{
			name:    "a fallback answers instead",
			giveCtx: context.Background(),
			giveOpts: []redress.Option{redress.WithRetry(retry.WithMaxAttempts(2)),
				redress.WithFallback(degraded)},
			want: want{outcome{Status: 299, Body: "from the fallback", Requests: 2}, []redress.StopReason{redress.StopMaxAttempts}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, statuses(503)...)
			log := &bodyLog{base: newBase(t)}
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			var rec redresstest.Recorder
			tr := &redresshttp.Transport{Base: log, Policy: testPolicy(clk, append(tt.giveOpts, rec.Option())...)}
			req, _ := http.NewRequestWithContext(tt.giveCtx, http.MethodGet, srv.URL, nil)

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			got := want{outcome{Status: resp.StatusCode, Body: readBody(t, resp), Requests: srv.requests()}, rec.Reasons()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RoundTrip (-want +got):\n%s", diff)
			}
			redresshttp.WaitForDrains(tr)
			for i, s := range log.stats() {
				if !s.Closed {
					t.Errorf("response %d not closed", i+1)
				}
			}
		})
	}
}

// A breaker inside the retry loop that refuses the retry ends the call on
// the response before it.
func TestTransportBreakerRefusesTheRetry(t *testing.T) {
	srv := newServer(t, statuses(503, 200)...)
	br := redresstest.NewBreaker(breaker.Closed)
	br.ScriptAllow(true, false)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk,
		redress.WithBreaker(br), redress.WithOrder(redress.StageRetry, redress.StageBreaker))}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	got := outcome{Status: resp.StatusCode, Body: readBody(t, resp), Requests: srv.requests(), Sleeps: clk.Sleeps()}
	want := outcome{Status: 503, Body: "answer 1", Requests: 1, Sleeps: []time.Duration{time.Second}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RoundTrip (-want +got):\n%s", diff)
	}
}

// An attempt that middleware fails without sending is the call's last
// failure: RoundTrip returns its error, not an earlier attempt's response.
func TestTransportLastFailureNotAResponse(t *testing.T) {
	srv := newServer(t, statuses(503, 200)...)
	log := &bodyLog{base: newBase(t)}
	errLocal := errors.New("refused locally")
	refuseRetries := func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			if a.Number > 1 {
				return classifier.MarkTransient(errLocal)
			}
			return next(ctx, a)
		}
	}
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: log, Policy: testPolicy(clk,
		redress.WithMiddleware(refuseRetries), redress.WithRetry(retry.WithMaxAttempts(2)))}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

	resp, err := tr.RoundTrip(req)
	if resp != nil || !errors.Is(err, errLocal) {
		t.Fatalf("RoundTrip = %v, %v; want no response and an error matching %v", resp, err, errLocal)
	}
	if diff := cmp.Diff([]bodyStat{{Closed: true}}, log.stats()); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}
