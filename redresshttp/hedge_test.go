package redresshttp_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

type roundTrip struct {
	resp *http.Response
	err  error
}

// start runs tr.RoundTrip(req) in a goroutine.
func start(tr http.RoundTripper, req *http.Request) <-chan roundTrip {
	done := make(chan roundTrip, 1)
	go func() {
		resp, err := tr.RoundTrip(req)
		done <- roundTrip{resp, err}
	}()
	return done
}

// onHedge is an observer that closes its channel at the first hedge.
func onHedge() (redress.Observer, <-chan struct{}) {
	hedged := make(chan struct{})
	return redress.ObserverFunc(func(_ context.Context, e redress.Event) {
		if e.Name == redress.EventHedge {
			close(hedged)
		}
	}), hedged
}

// A hedged GET: the hedge's answer wins, and its body is still readable
// once the hedging stage has cancelled the slow invocation.
func TestTransportHedgesIdempotentRequests(t *testing.T) {
	arrived := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}, reply(200))
	clk := redresstest.NewClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, redress.WithHedging(100*time.Millisecond, 1))}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

	done := start(tr, req)
	<-arrived
	if err := clk.WaitForSleepersContext(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(100 * time.Millisecond)
	r := <-done
	if r.err != nil {
		t.Fatalf("RoundTrip: %v", r.err)
	}
	got := outcome{Status: r.resp.StatusCode, Body: readBody(t, r.resp), Requests: srv.requests()}
	want := outcome{Status: 200, Body: "answer 2", Requests: 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RoundTrip (-want +got):\n%s", diff)
	}
}

// A POST is sent once even under a hedging policy: the hedge that falls
// due sends nothing, and the one send's answer is the call's, whatever
// its status.
func TestTransportDoesNotHedgeWhatItSendsOnce(t *testing.T) {
	tests := []struct {
		name string
		give int // the status of the one send
		want outcome
	}{
		{name: "200", give: 200, want: outcome{Status: 200, Body: "answer 1", Requests: 1}},
		{name: "503", give: 503, want: outcome{Status: 503, Body: "answer 1", Requests: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arrived, release := make(chan struct{}), make(chan struct{})
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				close(arrived)
				<-release
				reply(tt.give)(w, r)
			})
			clk := redresstest.NewClock(time.Unix(0, 0))
			obs, hedged := onHedge()
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk,
				redress.WithHedging(100*time.Millisecond, 1), redress.WithObserver(obs))}
			req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)

			done := start(tr, req)
			<-arrived
			if err := clk.WaitForSleepersContext(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			clk.Advance(100 * time.Millisecond)
			<-hedged
			close(release)
			r := <-done
			if r.err != nil {
				t.Fatalf("RoundTrip: %v", r.err)
			}
			got := outcome{Status: r.resp.StatusCode, Body: readBody(t, r.resp), Requests: srv.requests()}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RoundTrip (-want +got):\n%s", diff)
			}
		})
	}
}
