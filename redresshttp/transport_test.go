package redresshttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// outcome is what a test sees of a request sent through a Transport.
type outcome struct {
	Status   int
	Body     string
	Requests int
	Sleeps   []time.Duration
}

func TestTransportRetriesFailingStatuses(t *testing.T) {
	tests := []struct {
		name string
		give []int // the server's statuses, in turn; the last repeats
		want outcome
	}{
		{
			name: "success",
			give: []int{200},
			want: outcome{Status: 200, Body: "answer 1", Requests: 1},
		},
		{
			name: "503 then 200",
			give: []int{503, 200},
			want: outcome{Status: 200, Body: "answer 2", Requests: 2, Sleeps: []time.Duration{time.Second}},
		},
		{
			name: "500, 502, 504, 408, 409 then 201",
			give: []int{500, 502, 504, 408, 409, 201},
			want: outcome{Status: 201, Body: "answer 6", Requests: 6, Sleeps: []time.Duration{
				time.Second, time.Second, time.Second, time.Second, time.Second}},
		},
		{
			name: "404 is not retried",
			give: []int{404, 200},
			want: outcome{Status: 404, Body: "answer 1", Requests: 1},
		},
		{
			name: "401 is not retried",
			give: []int{401, 200},
			want: outcome{Status: 401, Body: "answer 1", Requests: 1},
		},
		{
			name: "501 is not retried",
			give: []int{501, 200},
			want: outcome{Status: 501, Body: "answer 1", Requests: 1},
		},
		{
			name: "a redirect is not a failure",
			give: []int{302},
			want: outcome{Status: 302, Body: "answer 1", Requests: 1},
		},
		{
			name: "503 until the attempts run out: the last response, body intact",
			give: []int{503},
			want: outcome{Status: 503, Body: "answer 6", Requests: 6, Sleeps: []time.Duration{
				time.Second, time.Second, time.Second, time.Second, time.Second}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, statuses(tt.give...)...)
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk)}
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			got := outcome{Status: resp.StatusCode, Body: readBody(t, resp), Requests: srv.requests(), Sleeps: clk.Sleeps()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RoundTrip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTransportHonoursRetryAfter(t *testing.T) {
	const (
		date      = "Sun, 06 Nov 1994 08:49:37 GMT"
		dateLater = "Sun, 06 Nov 1994 08:49:40 GMT" // 3 s after date
	)
	tests := []struct {
		name      string
		give      http.HandlerFunc // the first answer; the second is 200
		giveOpts  []redress.Option
		wantSleep [2]time.Duration // the least and the most
	}{
		{
			name:      "429 with Retry-After in seconds",
			give:      reply(429, "Retry-After", "2"),
			wantSleep: [2]time.Duration{2 * time.Second, 2*time.Second + backoff.RetryAfterJitter},
		},
		{
			name:      "429 with Retry-After as a date, read against the response's Date",
			give:      reply(429, "Date", date, "Retry-After", dateLater),
			wantSleep: [2]time.Duration{3 * time.Second, 3*time.Second + backoff.RetryAfterJitter},
		},
		{
			name:      "429 with a date in the past: the policy's backoff",
			give:      reply(429, "Date", date, "Retry-After", date),
			wantSleep: [2]time.Duration{time.Second, time.Second},
		},
		{
			name:      "429 without Retry-After: the policy's backoff",
			give:      reply(429),
			wantSleep: [2]time.Duration{time.Second, time.Second},
		},
		{
			name:      "hostile Retry-After capped at 5 minutes",
			give:      reply(429, "Retry-After", "99999999999"),
			giveOpts:  []redress.Option{redress.WithDeadline(time.Hour)},
			wantSleep: [2]time.Duration{5 * time.Minute, 5*time.Minute + backoff.RetryAfterJitter},
		},
		{
			name:      "Retry-After capped by the policy's own cap",
			give:      reply(429, "Retry-After", "60"),
			giveOpts:  []redress.Option{redress.WithRetry(retry.WithMaxRetryAfter(10 * time.Second))},
			wantSleep: [2]time.Duration{10 * time.Second, 10*time.Second + backoff.RetryAfterJitter},
		},
		{
			name:      "503 with Retry-After: waits as the server asked",
			give:      reply(503, "Retry-After", "2"),
			wantSleep: [2]time.Duration{2 * time.Second, 2*time.Second + backoff.RetryAfterJitter},
		},
		{
			name:      "503 with a hostile Retry-After capped at 5 minutes",
			give:      reply(503, "Retry-After", "99999999999"),
			giveOpts:  []redress.Option{redress.WithDeadline(time.Hour)},
			wantSleep: [2]time.Duration{5 * time.Minute, 5*time.Minute + backoff.RetryAfterJitter},
		},
		{
			name:      "429 with Retry-After-Ms before Retry-After",
			give:      reply(429, "Retry-After-Ms", "1500", "Retry-After", "7"),
			wantSleep: [2]time.Duration{1500 * time.Millisecond, 1500*time.Millisecond + backoff.RetryAfterJitter},
		},
		{
			name: "503's Retry-After ignored when SERVER_ERROR is given a plain backoff",
			give: reply(503, "Retry-After", "2"),
			giveOpts: []redress.Option{redress.WithRetry(retry.WithBackoffFor(classifier.ServerError,
				redresstest.Sequence(time.Second)))},
			wantSleep: [2]time.Duration{time.Second, time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.give, reply(200))
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, tt.giveOpts...)}
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
			sleeps := clk.Sleeps()
			if resp.StatusCode != 200 || len(sleeps) != 1 {
				t.Fatalf("got status %d after sleeps %v; want 200 after one sleep", resp.StatusCode, sleeps)
			}
			if sleeps[0] < tt.wantSleep[0] || sleeps[0] > tt.wantSleep[1] {
				t.Errorf("slept %v; want between %v and %v", sleeps[0], tt.wantSleep[0], tt.wantSleep[1])
			}
		})
	}
}

// A Retry-After beyond the call's deadline ends the call at once, without
// sleeping: the caller gets the 429.
func TestTransportHostileRetryAfterWithinDeadline(t *testing.T) {
	srv := newServer(t, reply(429, "Retry-After", "99999999999"), reply(200))
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	var rec redresstest.Recorder
	tr := &redresshttp.Transport{Base: newBase(t), Policy: redress.MustNew(redress.WithClock(clk), rec.Option())}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	got := outcome{Status: resp.StatusCode, Body: readBody(t, resp), Requests: srv.requests(), Sleeps: clk.Sleeps()}
	want := outcome{Status: 429, Body: "answer 1", Requests: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RoundTrip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]redress.StopReason{redress.StopDeadline}, rec.Reasons()); diff != "" {
		t.Errorf("stop reasons (-want +got):\n%s", diff)
	}
}

// nonReplayable is a body that http.NewRequest cannot rewind: it sets no
// GetBody for it.
func nonReplayable(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

func TestTransportRetriesOnlyWhatIsSafe(t *testing.T) {
	type want struct {
		Status int
		Bodies []string // what the server received, request by request
	}
	idempotencyKey := http.Header{"Idempotency-Key": {"k-1"}}
	retried := want{Status: 200, Bodies: []string{"", ""}}
	sentOnce := want{Status: 503, Bodies: []string{""}}
	tests := []struct {
		name          string
		giveMethod    string
		giveBody      io.Reader
		giveHeader    http.Header
		giveRetryNonI bool // Transport.RetryNonIdempotent
		want          want
	}{
		{name: "GET", giveMethod: "GET", want: retried},
		{name: "HEAD", giveMethod: "HEAD", want: retried},
		{name: "OPTIONS", giveMethod: "OPTIONS", want: retried},
		{name: "TRACE", giveMethod: "TRACE", want: retried},
		{name: "DELETE", giveMethod: "DELETE", want: retried},
		{name: "PUT with no body", giveMethod: "PUT", want: retried},
		{name: "PUT, *strings.Reader", giveMethod: "PUT", giveBody: strings.NewReader("payload"),
			want: want{Status: 200, Bodies: []string{"payload", "payload"}}},
		{name: "PUT, *bytes.Reader", giveMethod: "PUT", giveBody: bytes.NewReader([]byte("payload")),
			want: want{Status: 200, Bodies: []string{"payload", "payload"}}},
		{name: "PUT, *bytes.Buffer", giveMethod: "PUT", giveBody: bytes.NewBufferString("payload"),
			want: want{Status: 200, Bodies: []string{"payload", "payload"}}},
		{name: "PUT, body without GetBody", giveMethod: "PUT", giveBody: nonReplayable("payload"),
			want: want{Status: 503, Bodies: []string{"payload"}}},
		{name: "POST", giveMethod: "POST", want: sentOnce},
		{name: "POST with a body", giveMethod: "POST", giveBody: strings.NewReader("payload"),
			want: want{Status: 503, Bodies: []string{"payload"}}},
		{name: "PATCH", giveMethod: "PATCH", want: sentOnce},
		{name: "POST with Idempotency-Key", giveMethod: "POST", giveBody: strings.NewReader("payload"),
			giveHeader: idempotencyKey, want: want{Status: 200, Bodies: []string{"payload", "payload"}}},
		{name: "POST with X-Idempotency-Key", giveMethod: "POST", giveHeader: http.Header{"X-Idempotency-Key": {"k-1"}}, want: retried},
		{name: "POST with a nil Idempotency-Key, which is not sent", giveMethod: "POST",
			giveHeader: http.Header{"Idempotency-Key": nil}, want: retried},
		{name: "POST, RetryNonIdempotent", giveMethod: "POST", giveRetryNonI: true, want: retried},
		{name: "PATCH, RetryNonIdempotent", giveMethod: "PATCH", giveRetryNonI: true, want: retried},
		{name: "POST with Idempotency-Key, body without GetBody", giveMethod: "POST",
			giveBody: nonReplayable("payload"), giveHeader: idempotencyKey,
			want: want{Status: 503, Bodies: []string{"payload"}}},
		{name: "POST, RetryNonIdempotent, body without GetBody", giveMethod: "POST",
			giveBody: nonReplayable("payload"), giveRetryNonI: true,
			want: want{Status: 503, Bodies: []string{"payload"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, statuses(503, 200)...)
			clk := redresstest.NewAutoClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk), RetryNonIdempotent: tt.giveRetryNonI}
			req, err := http.NewRequest(tt.giveMethod, srv.URL, tt.giveBody)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.giveHeader {
				req.Header[k] = v
			}

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			resp.Body.Close()
			got := want{Status: resp.StatusCode, Bodies: srv.received()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RoundTrip (-want +got):\n%s", diff)
			}
		})
	}
}

// closeCounter is a request body that counts its Close calls.
type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestTransportLeavesTheRequestAlone(t *testing.T) {
	srv := newServer(t, statuses(503, 200)...)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk)}
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	body := &closeCounter{Reader: strings.NewReader("payload")}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL+"/path?q=1", body)
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("payload")), nil }
	req.Header.Set("X-Custom", "1")
	wantHeader, wantURL := req.Header.Clone(), req.URL.String()

	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	resp.Body.Close()
	if diff := cmp.Diff(wantHeader, req.Header); diff != "" {
		t.Errorf("request header (-want +got):\n%s", diff)
	}
	if req.URL.String() != wantURL || req.Context() != ctx || req.Body != body {
		t.Errorf("request changed: URL %s, context %v, body %v", req.URL, req.Context(), req.Body)
	}
	if resp.Request != req {
		t.Errorf("resp.Request is %p; want the caller's request %p", resp.Request, req)
	}
	if body.closed == 0 {
		t.Errorf("request body not closed")
	}
}

// A body GetBody cannot give again fails the call at once, with the error.
func TestTransportGetBodyFails(t *testing.T) {
	srv := newServer(t, statuses(503, 200)...)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk)}
	errRewind := errors.New("cannot rewind")
	req, _ := http.NewRequest(http.MethodPut, srv.URL, strings.NewReader("payload"))
	req.GetBody = func() (io.ReadCloser, error) { return nil, errRewind }

	resp, err := tr.RoundTrip(req)
	var se *redress.StopError
	if !errors.As(err, &se) || !errors.Is(err, errRewind) || se.Reason != redress.StopNonRetryable {
		t.Fatalf("RoundTrip = %v, %v; want a NON_RETRYABLE_CLASS StopError wrapping %v", resp, err, errRewind)
	}
	if got := srv.requests(); got != 1 {
		t.Errorf("server received %d requests; want 1", got)
	}
}
