package redresshttp_test

import (
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

// slowFirst is a RoundTripper whose first response is a 503 with a body
// that gives nothing until the request's context ends, and whose others
// are 200s without a body. closed is closed when the 503's body is.
type slowFirst struct {
	n      atomic.Int32
	closed chan struct{}
}

func (b *slowFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if b.n.Add(1) > 1 {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
	body := &ctxBody{done: req.Context().Done(), closed: b.closed}
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{}, Body: body, Request: req}, nil
}

type ctxBody struct {
	done   <-chan struct{}
	closed chan struct{}
}

func (b *ctxBody) Read([]byte) (int, error) { <-b.done; return 0, io.ErrUnexpectedEOF }
func (b *ctxBody) Close() error             { close(b.closed); return nil }

// CloseIdleConnections may be called while requests are being sent, as
// http.Client allows: a drain that a request starts then is no misuse of
// what CloseIdleConnections waits on (the race detector reports one, and
// a sync.WaitGroup can panic with "WaitGroup is reused before previous
// Wait has returned").
func TestTransportCloseIdleConnectionsDuringRequests(t *testing.T) {
	base := &slowFirst{closed: make(chan struct{})}
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	tr := &redresshttp.Transport{Base: base, Policy: testPolicy(clk)}
	var stop atomic.Bool
	closer := make(chan struct{})
	go func() {
		defer close(closer)
		for !stop.Load() {
			tr.CloseIdleConnections()
		}
	}()
	req, _ := http.NewRequest(http.MethodGet, "http://example.test/", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d; want 200", resp.StatusCode)
	}
	<-base.closed // the 503's drain gave up, after a second
	stop.Store(true)
	<-closer
	tr.CloseIdleConnections()
}
