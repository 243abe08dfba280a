package redresshttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/redresshttp"
)

// Under a policy that hedges, the handler runs once and a hedge waits
// for it: when the handler fails (a 500), the request is over all the
// same, and does not wait for its context to end.
func TestShedHedgedHandlerFails(t *testing.T) {
	hedged := make(chan struct{})
	obs := redress.ObserverFunc(func(_ context.Context, e redress.Event) {
		if e.Name == redress.EventHedge {
			close(hedged)
		}
	})
	h := redresshttp.Shed(redress.WithHedging(time.Millisecond, 1), redress.WithObserver(obs))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-hedged // the hedge has started
			http.Error(w, "broken", http.StatusInternalServerError)
		}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := httptest.NewRecorder()
	served := make(chan struct{})
	go func() {
		defer close(served)
		h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil))
	}()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		cancel() // let the test end
		<-served
		t.Fatal("ServeHTTP did not return after the handler answered 500; it returned only when the request's context ended")
	}
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d; want the handler's 500", rec.Code)
	}
}
