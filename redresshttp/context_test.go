package redresshttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

func TestTransportCallerCancelsDuringBackoff(t *testing.T) {
	srv := newServer(t, statuses(503, 200)...)
	log := &bodyLog{base: newBase(t)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelOnRetry := redress.ObserverFunc(func(_ context.Context, e redress.Event) {
		if e.Name == redress.EventRetry {
			cancel()
		}
	})
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: log, Policy: testPolicy(clk, redress.WithObserver(cancelOnRetry))}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)

	resp, err := tr.RoundTrip(req)
	var se *redress.StopError
	if resp != nil || !errors.As(err, &se) || se.Reason != redress.StopAborted || !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip = %v, %v; want no response and an ABORTED StopError", resp, err)
	}
	if got := srv.requests(); got != 1 {
		t.Errorf("server received %d requests; want 1", got)
	}
	if diff := cmp.Diff([]bodyStat{{Closed: true}}, log.stats()); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestTransportCallerCancelsInFlight(t *testing.T) {
	arrived := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk)}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	go func() {
		<-arrived
		cancel()
	}()

	resp, err := tr.RoundTrip(req)
	var se *redress.StopError
	if resp != nil || !errors.As(err, &se) || se.Reason != redress.StopAborted || !errors.Is(err, context.Canceled) {
		t.Fatalf("RoundTrip = %v, %v; want no response and an ABORTED StopError", resp, err)
	}
	if got := srv.requests(); got != 1 {
		t.Errorf("server received %d requests; want 1", got)
	}
}

// An attempt that waits past the attempt timeout is cut, classified
// TRANSIENT and retried.
func TestTransportAttemptTimeout(t *testing.T) {
	arrived := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // until the client gives up
	}, reply(200))
	clk := redresstest.NewClock(time.Unix(0, 0))
	var rec redresstest.Recorder
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk,
		redress.WithAttemptTimeout(2*time.Second), rec.Option())}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result)
	go func() {
		resp, err := tr.RoundTrip(req)
		done <- result{resp, err}
	}()

	<-arrived
	clk.Advance(2 * time.Second) // the first attempt times out
	if err := clk.WaitForSleepersContext(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second) // the backoff
	r := <-done
	if r.err != nil {
		t.Fatalf("RoundTrip: %v", r.err)
	}
	if got := readBody(t, r.resp); got != "answer 2" {
		t.Errorf("body = %q; want %q", got, "answer 2")
	}
	if diff := cmp.Diff([]classifier.Class{classifier.Transient}, rec.Classes()); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
	if errs := rec.Errors(); len(errs) != 2 || !errors.Is(errs[0], classifier.ErrAttemptTimeout) {
		t.Errorf("attempt errors %v; want the first to match ErrAttemptTimeout", errs)
	}
}

// The returned body is read after RoundTrip returned, under the caller's
// context: the policy's per-attempt context has ended by then.
func TestTransportBodyOutlivesTheAttempt(t *testing.T) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	policy := testPolicy(clk, redress.WithAttemptTimeout(time.Second))

	t.Run("read after the attempt", func(t *testing.T) {
		release := make(chan struct{})
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			http.NewResponseController(w).Flush()
			select {
			case <-release:
				io.WriteString(w, "the rest")
			case <-r.Context().Done():
			}
		})
		tr := &redresshttp.Transport{Base: newBase(t), Policy: policy}
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("RoundTrip: %v", err)
		}
		close(release)
		if got := readBody(t, resp); got != "the rest" {
			t.Errorf("body = %q; want %q", got, "the rest")
		}
	})
	t.Run("cancelled by the caller", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			http.NewResponseController(w).Flush()
			<-r.Context().Done()
		})
		tr := &redresshttp.Transport{Base: newBase(t), Policy: policy}
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("RoundTrip: %v", err)
		}
		defer resp.Body.Close()
		cancel()
		if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
			t.Errorf("reading after the caller cancelled: %v; want context.Canceled", err)
		}
	})
}

// The policy's deadline cuts a request that waits for its headers, also
// without an attempt timeout, on the policy's clock.
func TestTransportDeadlineCutsTheRequest(t *testing.T) {
	arrived := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // until the client gives up
	})
	clk := redresstest.NewClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, redress.WithDeadline(5*time.Second))}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result)
	go func() {
		resp, err := tr.RoundTrip(req)
		done <- result{resp, err}
	}()

	<-arrived // the deadline's timer was set before the request was sent
	clk.Advance(5 * time.Second)
	r := <-done
	if r.resp != nil || !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("RoundTrip = %v, %v; want no response and an error matching context.DeadlineExceeded", r.resp, r.err)
	}
	if got := srv.requests(); got != 1 {
		t.Errorf("server received %d requests; want 1", got)
	}
}
