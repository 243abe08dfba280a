package redresshttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

// The body of a returned response is read under the caller's context
// only: when the caller cancels it with a cause while the body is being
// read, the read fails with that cause, as it does over http.Transport
// alone, even after the attempt's own context (here, one with an attempt
// timeout) has ended.
func TestTransportBodyReadFailsWithCallersCause(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	for _, tc := range []struct {
		name string
		opts []redress.Option
	}{
		{"no attempt timeout", nil},
		{"attempt timeout", []redress.Option{redress.WithAttemptTimeout(time.Minute)}},
		{"hedging", []redress.Option{redress.WithHedging(time.Minute, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := redresstest.NewClock(time.Unix(0, 0))
			tr := &redresshttp.Transport{Base: newBase(t), Policy: testPolicy(clk, tc.opts...)}
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Fatalf("RoundTrip: %v", err)
			}
			defer resp.Body.Close()
			errGone := errors.New("the caller is gone")
			cancel(errGone)
			_, err = io.ReadAll(resp.Body)
			if !errors.Is(err, errGone) {
				t.Errorf("reading the body: %v; want the caller's cause %q", err, errGone)
			}
		})
	}
}
