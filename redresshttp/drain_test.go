package redresshttp_test

import (
	"io"
	"net/http"
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

// trickle answers 503 with the start of a body and then sends nothing
// more until the client goes away: a slow error body.
func trickle(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, "overloaded, ")
	http.NewResponseController(w).Flush()
	<-r.Context().Done()
}

// A retried response whose body trickles is drained on a clock of its
// own: the next attempt is sent at once, with its whole attempt timeout,
// and is not failed by the slow body of the one before.
func TestTransportSlowErrorBodyDoesNotCostTheRetry(t *testing.T) {
	tests := []struct {
		name     string
		giveOpts []redress.Option
	}{
		{name: "300 ms attempt timeout", giveOpts: []redress.Option{redress.WithAttemptTimeout(300 * time.Millisecond)}},
		{name: "no attempt timeout", giveOpts: []redress.Option{redress.WithDeadline(5 * time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, trickle, reply(200))
			log := &bodyLog{base: newBase(t)}
			var rec redresstest.Recorder
			br := breaker.New() // inside the retry loop, it is told of every attempt
			opts := append([]redress.Option{
				redress.WithRetry(retry.WithBackoff(redresstest.Sequence(0))), rec.Option(),
				redress.WithBreaker(br), redress.WithOrder(redress.StageRetry, redress.StageMiddleware, redress.StageBreaker),
			}, tt.giveOpts...)
			tr := &redresshttp.Transport{Base: log, Policy: redress.MustNew(opts...)}
			req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)

			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			got := outcome{Status: resp.StatusCode, Body: readBody(t, resp), Requests: srv.requests()}
			redresshttp.WaitForDrains(tr)
			want := outcome{Status: 200, Body: "answer 2", Requests: 2}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("RoundTrip (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]classifier.Class{classifier.ServerError}, rec.Classes()); diff != "" {
				t.Errorf("classes of the failures (-want +got):\n%s", diff)
			}
			if got := br.FailureCount(); got != 1 {
				t.Errorf("breaker counted %d failures; want 1, the 503", got)
			}
			if stats := log.stats(); len(stats) != 2 || !stats[0].Closed {
				t.Errorf("bodies %+v; want the trickling one closed", stats)
			}
		})
	}
}
