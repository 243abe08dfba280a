package redresshttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// A discarded response is drained in the background, on a budget of its
// own, and then closed: at most maxDrain bytes, for at most drainTimeout.
// A body drained to its end lets http.Transport reuse the connection; a
// longer or slower one is not worth more, and closing it costs only a new
// connection. The drain runs on the real clock and under no attempt's
// context, so that a slow body costs the next attempt nothing, and it ends
// by itself when either limit is reached.
const (
	maxDrain     = 64 << 10
	drainTimeout = time.Second
)

// errDrainTimeout ends the request of a discarded response whose body did
// not end within drainTimeout.
var errDrainTimeout = errors.New("redresshttp: discarded response body not drained in time")

// roundTrip sends the request in x under the attempt's context ctx until
// its response headers come, and under the caller's after that.
func (c *call) roundTrip(ctx context.Context, x *exchange) (*http.Response, error) {
	reqBody, err := c.nextBody()
	if err != nil {
		return nil, err
	}
	x.actx = ctx
	x.follow(ctx)
	r := c.req.WithContext(x)
	r.Header = c.header
	r.Body = reqBody
	resp, err := c.base.RoundTrip(r)
	switch {
	case err != nil:
		closeBody(resp) // a RoundTripper's response with an error is ignored
		x.release()
		return nil, err
	case resp == nil:
		x.release()
		return nil, errNoResponse
	case !x.headersCame():
		// The attempt ended as the headers came: the body is cut off.
		closeBody(resp)
		x.release()
		return nil, context.Cause(ctx)
	}
	x.resp = resp
	if resp.Body == nil || resp.Body == http.NoBody {
		resp.Body = http.NoBody // nothing left to read under the exchange
		x.release()
	} else {
		x.rc = resp.Body
		if w, ok := resp.Body.(io.Writer); ok {
			resp.Body = &rwBody{x, w}
		} else {
			resp.Body = x
		}
	}
	resp.Request = c.req
	c.keep(x)
	return resp, nil
}

// rwBody is the body of a response to a protocol upgrade (101 Switching
// Protocols), which http.Transport makes writable.
type rwBody struct {
	*exchange
	w io.Writer
}

func (b *rwBody) Write(p []byte) (int, error) { return b.w.Write(p) }

var _ io.ReadWriteCloser = (*rwBody)(nil)

// drain reads what is left of a discarded response's body in the
// background, within maxDrain and drainTimeout, and closes it.
func (t *Transport) drain(x *exchange) {
	if x.rc == nil {
		return // http.NoBody
	}
	t.drainMu.Lock()
	t.drains++
	t.drainMu.Unlock()
	go func() {
		defer t.drainDone()
		timer := clock.Real.AfterFunc(drainTimeout, func() { x.end(context.Canceled, errDrainTimeout) })
		_, _ = io.CopyN(io.Discard, x.rc, maxDrain)
		timer.Stop()
		_ = x.Close()
	}()
}

// drainDone counts a drain done, and wakes CloseIdleConnections when it
// was the last.
func (t *Transport) drainDone() {
	t.drainMu.Lock()
	defer t.drainMu.Unlock()
	if t.drains--; t.drains == 0 && t.drainIdle != nil {
		close(t.drainIdle)
		t.drainIdle = nil
	}
}
