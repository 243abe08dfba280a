package redresshttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
)

// errNotSent is what a hedge of a request that is sent once returns when
// the one send did not fail: it is never the call's outcome, as the send
// wins the attempt.
var errNotSent = errors.New("redresshttp: request sent once, not hedged")

// errLostCall is the failure of an attempt whose context does not come
// from the request's: a middleware of the policy replaced it with one that
// is not derived from the context it was given.
var errLostCall = classifier.MarkPermanent(errors.New("redresshttp: the policy's middleware gave the attempt a context not derived from the request's"))

// errBodyReplay is the failure of a GetBody that could not give the
// request's body again.
var errBodyReplay = errors.New("redresshttp: replaying the request body")

// call is one RoundTrip: the request, and the responses its attempts
// received that are not yet returned or discarded. Its methods run on
// the invocations of the operation, which hedging makes concurrent.
//
// A call is also the context the policy runs under: it is the caller's
// context with the call as one more value, so that the operation (send)
// and the observer (observe), built once per Transport, find the call
// of the request they serve without any per-request option.
type call struct {
	context.Context // the request's

	t      *Transport
	req    *http.Request
	base   http.RoundTripper
	header http.Header // the header every attempt sends: req's, or a copy with an Idempotency-Key
	once   string      // why the request may be sent only once; "" when it may be sent again

	mu        sync.Mutex
	attempt   int              // the number of the attempt running, from observe
	sends     int              // invocations that sent the request
	bodyUsed  bool             // req.Body itself went out with a send
	open      []*exchange      // responses not yet returned nor discarded
	class     classifier.Class // with once: the class the last failure would have had
	hasClass  bool
	sent      chan struct{} // with once: closed when the one send has returned sentResp and sentErr
	sentResp  *http.Response
	sentErr   error
	first     exchange     // the first send, kept here to save an allocation
	openFirst [1]*exchange // open's first backing array, likewise
}

type callKey struct{}

// Value returns the call for callKey{}, and the request context's values
// otherwise.
func (c *call) Value(key any) any {
	if _, ok := key.(callKey); ok {
		return c
	}
	return c.Context.Value(key)
}

func newCall(t *Transport, req *http.Request) *call {
	c := &call{Context: req.Context(), t: t, req: req, base: t.base(), header: req.Header, attempt: 1}
	c.open = c.openFirst[:0]
	keyed := false
	if t.AddIdempotencyKey && !idempotent(req) {
		c.header = withIdempotencyKey(req.Header)
		keyed = true
	}
	c.once = t.sendOnceReason(req, keyed)
	if c.once != "" {
		c.sent = make(chan struct{})
	}
	return c
}

// send is the operation of every call: one invocation of an attempt of
// the call that ctx carries.
func send(ctx context.Context) (*http.Response, error) {
	c, ok := ctx.Value(callKey{}).(*call)
	if !ok {
		return nil, errLostCall
	}
	x, sends := c.begin()
	if !sends {
		return c.waitForSend(ctx)
	}
	resp, err := c.roundTrip(ctx, x)
	if err == nil {
		err = c.statusError(resp)
	} else if !errors.Is(err, errBodyReplay) {
		err = &requestError{method: c.method(), host: c.req.URL.Host, err: err}
	}
	if err != nil && c.once != "" {
		err = &sentOnceError{err: err, c: c}
	}
	if c.sent != nil {
		c.sentResp, c.sentErr = resp, err
		close(c.sent)
	}
	return resp, err
}

// begin starts an invocation of the running attempt. It reports whether
// the invocation may send the request, with the exchange to send it in,
// and drains in the background the responses of earlier attempts, which
// no one will return now.
func (c *call) begin() (*exchange, bool) {
	c.mu.Lock()
	var stale []*exchange
	if len(c.open) > 0 {
		keep := c.open[:0]
		for _, x := range c.open {
			if x.attempt < c.attempt {
				stale = append(stale, x)
			} else {
				keep = append(keep, x)
			}
		}
		clear(c.open[len(keep):])
		c.open = keep
	}
	x, sends := c.startSend()
	c.mu.Unlock()
	for _, s := range stale {
		c.t.drain(s)
	}
	return x, sends
}

// startSend counts a send, if the request may be sent; c.mu is held.
func (c *call) startSend() (*exchange, bool) {
	if c.once != "" && c.sends > 0 {
		return nil, false
	}
	c.sends++
	x := &c.first
	if c.sends > 1 {
		x = new(exchange)
	}
	x.c, x.attempt = c, c.attempt
	return x, true
}

// observe is the Transport's observer: it tells the call of each retry,
// so that every invocation of the operation knows the attempt it belongs
// to and can discard what earlier attempts received.
// An observer, unlike attempt middleware, is no stage that a policy's
// WithOrder must place.
func observe(ctx context.Context, e redress.Event) {
	if e.Name != redress.EventRetry {
		return
	}
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		c.mu.Lock()
		c.attempt = e.Attempt + 1
		c.mu.Unlock()
	}
}

// keep records a response received.
func (c *call) keep(x *exchange) {
	c.mu.Lock()
	c.open = append(c.open, x)
	c.mu.Unlock()
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
		return nil, classifier.MarkPermanent(fmt.Errorf("%w: %w", errBodyReplay, err))
	}
	return b, nil
}

// statusError returns the *StatusError of a response whose status is a
// failure, or nil.
func (c *call) statusError(resp *http.Response) error {
	if classifier.HTTPStatus(resp.StatusCode) == classifier.Unknown {
		return nil
	}
	wait, _ := classifier.RetryAfterHeader(resp.Header, receivedAt())
	return &StatusError{Code: resp.StatusCode, Status: resp.Status, Wait: wait, Method: c.method(), Host: c.req.URL.Host}
}

// method returns the request's method; "" is GET, as for net/http.
func (c *call) method() string {
	if c.req.Method == "" {
		return http.MethodGet
	}
	return c.req.Method
}

// requestError is the failure of a send that got no response: Base's
// error, with the request's method and host (never its path, query or
// headers), so that logs say what failed.
type requestError struct {
	method, host string
	err          error
}

func (e *requestError) Error() string {
	return "redresshttp: " + e.method + " " + e.host + ": " + e.err.Error()
}

func (e *requestError) Unwrap() error { return e.err }

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
	return nil, errNotSent
}

// setClass records the class the last failure of a request sent once
// would have had.
func (c *call) setClass(cl classifier.Class) {
	c.mu.Lock()
	c.class, c.hasClass = cl, true
	c.mu.Unlock()
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
	endedOnResponse := err != nil && errors.As(err, new(*StatusError))
	if resp == nil && c.once != "" && c.sentResp != nil && endedOnResponse {
		// A hedge's failure (see waitForSend) stood in for the one
		// send's response.
		resp = c.sentResp
	}
	ours := false
	for _, x := range open {
		if x.resp == resp {
			ours = true
			continue
		}
		x.resp.Body.Close()
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

// sentOnceError is the failure of a request that may be sent only once.
// The Transport classifies it PERMANENT, so that the call stops and says
// why.
type sentOnceError struct {
	err error
	c   *call
}

func (e *sentOnceError) Error() string {
	return "redresshttp: not sent again, as " + e.c.once + ": " + e.err.Error()
}

func (e *sentOnceError) Unwrap() error { return e.err }

// onceBreaker is the policy's breaker for a request sent once: it tells
// the breaker the class a failure would have had, not the PERMANENT the
// Transport gave it so that the call stops.
type onceBreaker struct{ c *call }

func (b onceBreaker) Allow() (breaker.Ticket, error) { return b.c.t.shared.breaker.Allow() }

func (b onceBreaker) Record(t breaker.Ticket, o breaker.Outcome, cl classifier.Class) breaker.Transition {
	if o == breaker.Failure && cl == classifier.Permanent {
		b.c.mu.Lock()
		if b.c.hasClass {
			cl = b.c.class
		}
		b.c.mu.Unlock()
	}
	return b.c.t.shared.breaker.Record(t, o, cl)
}
