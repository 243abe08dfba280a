package redresshttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

// newBulkhead returns a bulkhead of n slots that does not wait for one.
func newBulkhead(n int) redress.Option { return redress.WithBulkhead(bulkhead.New(n)) }

// newRefusingThrottle returns a throttle that has seen only failures, so
// that it refuses nearly every request (with this seed, the next one).
func newRefusingThrottle() redress.Option {
	th := throttle.New(throttle.WithK(1), throttle.WithSeed(1))
	for range 1000 {
		th.Record(false)
	}
	return redress.WithThrottle(th)
}

// answer is what a client saw of one request.
type answer struct {
	Status     int
	RetryAfter string
}

// shedServer serves h behind Shed(opts...) on loopback, and returns a
// function that sends a GET and reports the answer.
func shedServer(t *testing.T, h http.Handler, opts ...redress.Option) func() answer {
	t.Helper()
	srv := httptest.NewServer(redresshttp.Shed(opts...)(h))
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: newBase(t)}
	return func() answer {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Errorf("GET: %v", err)
			return answer{}
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return answer{Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	}
}

func TestShedFullBulkhead(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
	})
	get := shedServer(t, h, newBulkhead(1))

	first := make(chan answer)
	go func() { first <- get() }()
	<-entered
	const shed = 5
	answers := make([]answer, shed)
	var wg sync.WaitGroup
	for i := range shed {
		wg.Go(func() { answers[i] = get() })
	}
	wg.Wait()
	close(release)
	got := struct {
		First, Then answer
		Shed        []answer
		Calls       int32
	}{First: <-first, Shed: answers}
	got.Then = get()
	got.Calls = calls.Load()
	busy := answer{Status: 503, RetryAfter: "1"}
	want := got
	want.First, want.Then, want.Calls = answer{Status: 200}, answer{Status: 200}, 2
	want.Shed = []answer{busy, busy, busy, busy, busy}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// A handler's 5xx opens the breaker; while it is open, requests are
// answered 503 with the seconds until it lets a probe through.
func TestShedOpenBreaker(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithRecoveryTimeout(30*time.Second), breaker.WithClock(clk))
	var calls atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	get := shedServer(t, h, redress.WithBreaker(br), redress.WithClock(clk))

	var got []answer
	got = append(got, get(), get())
	clk.Advance(10*time.Second + 500*time.Millisecond)
	got = append(got, get())
	clk.Advance(20 * time.Second)
	got = append(got, get(), get())
	want := []answer{
		{Status: 500},                   // the handler's, which opens the breaker
		{Status: 503, RetryAfter: "30"}, // shed
		{Status: 503, RetryAfter: "20"}, // 19.5 s left, rounded up
		{Status: 200}, {Status: 200},    // the probe closed it
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("handler called %d times; want 3", n)
	}
}

func TestShedThrottled(t *testing.T) {
	var calls atomic.Int32
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) })
	get := shedServer(t, h, newRefusingThrottle())

	if diff := cmp.Diff(answer{Status: 429, RetryAfter: "1"}, get()); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("handler called %d times; want 0", n)
	}
}

// The handler's status is its outcome: 5xx and 429 are failures of their
// class, anything else a success.
func TestShedCountsTheStatusWritten(t *testing.T) {
	tests := []struct {
		name  string
		give  http.HandlerFunc
		want  []redress.EventName
		class []classifier.Class
	}{
		{name: "200", give: func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") },
			want: []redress.EventName{redress.EventSuccess}},
		{name: "nothing written", give: func(http.ResponseWriter, *http.Request) {},
			want: []redress.EventName{redress.EventSuccess}},
		{name: "404", give: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			want: []redress.EventName{redress.EventSuccess}},
		{name: "103 then 200", give: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusOK)
		}, want: []redress.EventName{redress.EventSuccess}},
		{name: "503", give: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) },
			want: []redress.EventName{redress.EventMaxAttemptsExceeded}, class: []classifier.Class{classifier.ServerError}},
		{name: "501", give: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(501) },
			want: []redress.EventName{redress.EventMaxAttemptsExceeded}, class: []classifier.Class{classifier.ServerError}},
		{name: "429", give: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) },
			want: []redress.EventName{redress.EventMaxAttemptsExceeded}, class: []classifier.Class{classifier.RateLimit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec redresstest.Recorder
			h := redresshttp.Shed(rec.Option())(tt.give)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
			if diff := cmp.Diff(tt.want, rec.Names()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.class, rec.Classes()); diff != "" {
				t.Errorf("classes (-want +got):\n%s", diff)
			}
		})
	}
}

// readCounter is a request body that counts the bytes read from it.
type readCounter struct {
	io.Reader
	n atomic.Int64
}

func (r *readCounter) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	r.n.Add(int64(n))
	return n, err
}

func (r *readCounter) Close() error { return nil }

// The middleware reads nothing of the body, whether it runs the handler
// or sheds the request; the handler reads it all.
func TestShedNeverReadsTheBody(t *testing.T) {
	for _, tt := range []struct {
		name     string
		giveOpts []redress.Option
		want     int64 // bytes read
	}{
		{name: "let in", want: 0},
		{name: "shed", giveOpts: []redress.Option{newRefusingThrottle()}, want: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := &readCounter{Reader: strings.NewReader("payload")}
			var inHandler int64 = -1
			h := redresshttp.Shed(tt.giveOpts...)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inHandler = body.n.Load()
			}))
			req := httptest.NewRequest(http.MethodPost, "/", nil)
			req.Body = body
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got := body.n.Load(); got != tt.want || inHandler > 0 {
				t.Errorf("read %d bytes, %d before the handler; want %d and none", got, inHandler, tt.want)
			}
		})
	}
}

// The handler's writer flushes, directly and through
// http.ResponseController, and the request's values reach it.
func TestShedKeepsTheWriterAndContext(t *testing.T) {
	type key struct{}
	var asserted, controlled bool
	var value any
	h := redresshttp.Shed()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value = r.Context().Value(key{})
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
			asserted = true
		}
		controlled = http.NewResponseController(w).Flush() == nil
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(context.WithValue(context.Background(), key{}, "v"), http.MethodGet, "/", nil)
	h.ServeHTTP(rec, req)
	if !asserted || !controlled || !rec.Flushed || value != "v" {
		t.Errorf("http.Flusher %v, ResponseController.Flush %v, flushed %v, value %v; want true, true, true, v",
			asserted, controlled, rec.Flushed, value)
	}
}

// Invalid options: every request is answered 500, the handler never runs.
func TestShedInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		give redress.Option
	}{
		{name: "rejected by New", give: redress.WithAttemptTimeout(-time.Second)},
		{name: "rejected by the call: a fallback of another type",
			give: redress.WithFallback(func(context.Context, error) (int, error) { return 0, nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := redresshttp.Shed(tt.give)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				called = true
			}))
			for range 2 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				if rec.Code != 500 || called {
					t.Errorf("status %d, handler called %v; want 500 and not called", rec.Code, called)
				}
			}
		})
	}
}
