package redresshttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// errNoResponse is the error of a RoundTripper that returned neither a
// response nor an error, and of a fallback that returned no response.
var errNoResponse = errors.New("redresshttp: no response and no error")

// errNotSent is what a hedge of a request that is sent once returns when
// the one send's response was not a failure: it is never the call's
// outcome, as the send wins the attempt.
var errNotSent = errors.New("redresshttp: request sent once, not hedged")

// call is one RoundTrip: the request, and the responses its attempts
// received that are not yet returned or discarded. Its methods run on
// the invocations of the operation, which hedging makes concurrent.
type call struct {
	req  *http.Request
	base http.RoundTripper
	once bool // the request may be sent only once

	mu       sync.Mutex
	attempt  int        // the number of the attempt running, from observe
	sends    int        // invocations that sent the request
	bodyUsed bool       // req.Body itself went out with a send
	open     []received // responses not yet returned nor discarded

	// With once: sent is closed when the one send has returned what
	// sentResp and sentErr hold.
	sent     chan struct{}
	sentResp *http.Response
	sentErr  error
}

// received is a response, its body as the Transport wrapped it (nil for
// http.NoBody), and the attempt that received it.
type received struct {
	resp    *http.Response
	body    *body
	attempt int
}

func newCall(req *http.Request, base http.RoundTripper, once bool) *call {
	c := &call{req: req, base: base, once: once, attempt: 1}
	if once {
		c.sent = make(chan struct{})
	}
	return c
}

// observe counts the call's retries, so that every invocation of the
// operation knows the attempt it belongs to and can discard what earlier
// attempts received. An observer, unlike attempt middleware, is no stage
// that a policy's WithOrder must place.
func (c *call) observe(_ context.Context, e redress.Event) {
	if e.Name == redress.EventRetry {
		c.mu.Lock()
		c.attempt = e.Attempt + 1
		c.mu.Unlock()
	}
}

// send is the operation: one invocation of an attempt.
func (c *call) send(ctx context.Context) (*http.Response, error) {
	attempt, first, stale := c.begin()
	for _, r := range stale {
		drain(ctx, r)
	}
	if !first {
		return c.waitForSend(ctx)
	}
	resp, err := c.roundTrip(ctx, attempt)
	if c.once {
		c.sentResp, c.sentErr = resp, err
		close(c.sent)
	}
	return resp, err
}

// begin starts an invocation of the running attempt. It hands back the
// responses of earlier attempts, which no one will return now, and
// whether this invocation may send the request.
func (c *call) begin() (attempt int, send bool, stale []received) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := c.open[:0]
	for _, r := range c.open {
		if r.attempt < c.attempt {
			stale = append(stale, r)
		} else {
			keep = append(keep, r)
		}
	}
	clear(c.open[len(keep):])
	c.open = keep
	if c.once && c.sends > 0 {
		return c.attempt, false, stale
	}
	c.sends++
	return c.attempt, true, stale
}

// roundTrip sends a clone of the request under the attempt's context
// until its response headers come, and under the caller's after that.
func (c *call) roundTrip(ctx context.Context, attempt int) (*http.Response, error) {
	reqBody, err := c.nextBody()
	if err != nil {
		return nil, err
	}
	// The request's context carries ctx's values and its cancellation,
	// but only until the headers come: redress ends ctx when the attempt
	// returns, and the body of a response it returns is still to be read.
	rctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stopAttempt := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	r := c.req.Clone(rctx)
	r.Body = reqBody
	resp, err := c.base.RoundTrip(r)
	switch {
	case err != nil:
		closeBody(resp) // a RoundTripper's response with an error is ignored
		stopAttempt()
		cancel(nil)
		return nil, err
	case resp == nil:
		stopAttempt()
		cancel(nil)
		return nil, errNoResponse
	case !stopAttempt():
		// The attempt ended as the headers came: the body is cut off.
		closeBody(resp)
		return nil, context.Cause(ctx)
	}
	var b *body
	if resp.Body == nil || resp.Body == http.NoBody {
		resp.Body = http.NoBody // nothing left to read under rctx
		cancel(nil)
	} else {
		callerCtx := c.req.Context()
		stopCaller := context.AfterFunc(callerCtx, func() { cancel(context.Cause(callerCtx)) })
		resp.Body, b = newBody(resp.Body, cancel, func() {
			stopCaller()
			cancel(nil)
		})
	}
	resp.Request = c.req
	c.mu.Lock()
	c.open = append(c.open, received{resp: resp, body: b, attempt: attempt})
	c.mu.Unlock()
	return resp, nil
}

// nextBody returns the body of the next send: req.Body itself the first time,
// a fresh one from req.GetBody after that.
func (c *call) nextBody() (io.ReadCloser, error) {
	if !hasBody(c.req) {
		return c.req.Body, nil
	}
	c.mu.Lock()
	first := !c.bodyUsed
	c.bodyUsed = true
	c.mu.Unlock()
	if first {
		return c.req.Body, nil
	}
	b, err := c.req.GetBody()
	if err != nil {
		return nil, classifier.MarkPermanent(fmt.Errorf("redresshttp: replaying the request body: %w", err))
	}
	return b, nil
}

// waitForSend is a hedge of a request that is sent once: it sends nothing,
// waits for the one send, and fails as the send did, so that the attempt
// fails the same whichever failure the hedging stage sees first.
func (c *call) waitForSend(ctx context.Context) (*http.Response, error) {
	select {
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-c.sent:
	}
	if c.sentErr != nil {
		return nil, c.sentErr
	}
	if err := CheckResponse(c.sentResp, receivedAt()); err != nil {
		return nil, err
	}
	return nil, errNotSent
}

// finish turns what Execute returned into what RoundTrip returns, and
// closes every response that is not returned.
func (c *call) finish(resp *http.Response, err error) (*http.Response, error) {
	c.mu.Lock()
	open, bodyUsed := c.open, c.bodyUsed
	c.open = nil
	c.mu.Unlock()
	if !bodyUsed && c.req.Body != nil {
		c.req.Body.Close() // a RoundTripper closes the body, sent or not
	}
	// The call ended on a response when its last failure was one, even if
	// a stage then refused the next attempt (its StopError wraps the last
	// failure): the caller gets it, as any RoundTripper's caller would.
	endedOnResponse := errors.Is(err, redress.ErrResultRejected)
	if resp == nil && c.once && c.sentResp != nil && errors.As(err, new(*StatusError)) {
		// A hedge's failure (see waitForSend) stood in for the one
		// send's response.
		resp, endedOnResponse = c.sentResp, true
	}
	ours := false
	for _, r := range open {
		if r.resp == resp {
			ours = true
			continue
		}
		r.resp.Body.Close()
	}
	switch {
	case err == nil && resp == nil:
		return nil, errNoResponse
	case err == nil:
		return resp, nil
	case ours && endedOnResponse && c.req.Context().Err() == nil:
		return resp, nil
	}
	closeBody(resp)
	return nil, err
}

// closeBody closes resp's body, if there is one.
func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}
