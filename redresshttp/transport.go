package redresshttp

import (
	"net/http"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/retry"
)

// Transport is an http.RoundTripper that sends each request through a
// redress policy: failing responses and transport errors are classified
// and retried as the policy says, behind its breaker, budget and
// timeouts. Use it as an http.Client's Transport; NewClient makes one.
//
// The zero value is ready to use: it sends requests with
// http.DefaultTransport under redress's default policy. A Transport is safe
// for concurrent use by any number of requests, as long as its fields are
// not changed once it is in use; share one the way http.Transport is
// shared, so that its policy's breaker and budget see all the traffic.
//
// # What is retried
//
// A response is a failure when its status is one (classifier.HTTPStatus
// gives every 4xx and 5xx a class): its class decides whether it is retried,
// so a 503 is (SERVER_ERROR), a 429 is after the server's Retry-After
// (RATE_LIMIT), and a 404 is not (PERMANENT). The Retry-After of a 429 or
// a 503 (RFC 9110 §10.2.3) is carried to the policy, which caps it
// (retry.WithMaxRetryAfter, 5 minutes by default); by default only
// RATE_LIMIT waits for it, and a policy that gives SERVER_ERROR
// backoff.RetryAfterOr honours a 503's too. An error from Base is
// classified by the policy's classifier (classifier.Default unless the
// policy says otherwise). The Transport sets the policy's result
// classifier for *http.Response (redress.WithResultClassifier), replacing
// any the policy has.
//
// A request is sent again only if doing so is safe. Its method must be
// idempotent (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE),
// or it must carry an Idempotency-Key or X-Idempotency-Key header (as for
// http.Transport, a key present with a nil value counts and is not sent),
// or RetryNonIdempotent must be set. And its body, if it has one, must be
// replayable: req.GetBody must be set, as http.NewRequest does for a
// *bytes.Buffer, *bytes.Reader or *strings.Reader body; every attempt after
// the first sends a fresh body from GetBody, so the server receives the
// same bytes each time. Any other request is sent once, still through
// the policy's breaker, throttle, bulkhead and timeouts, and is never
// hedged (redress.WithHedging): a hedge that falls due sends nothing and
// waits for the one send.
//
// # What RoundTrip returns
//
// RoundTrip follows the RoundTripper convention: a response, with a nil
// error, whenever the call's last failure was a response, whatever its
// status and whatever then stopped the call (attempts, deadline or budget
// run out, a retry refused). So a call whose retries ran out on a 503
// returns that last 503, its body unread, and a 404 comes back at once as
// a 404. An error is returned only when the call ended with no response
// to give: the last attempt failed without one (in Base: a refused or
// reset connection, a timeout; or in the policy's own middleware), the
// breaker rejected the call, or the caller's context ended, even after a
// response came. The error is then the policy's *redress.StopError, which
// wraps the last error and says why the call stopped; errors.Is(err,
// breaker.ErrOpen) and errors.Is(err, context.Canceled) work through it,
// and through the *url.Error an http.Client wraps it in.
//
// A response that is retried is drained, up to 64 KiB, and closed before
// the next attempt is sent, so that its connection can carry that attempt;
// any other response that is not returned (the loser of a hedge, say) is
// closed. The response returned is the one the last attempt received, its
// body unread, with resp.Request set to the caller's request.
//
// # Contexts and timeouts
//
// Each attempt sends a clone of the request (req.Clone) under that
// attempt's context, so a per-attempt timeout (redress.WithAttemptTimeout)
// and the policy's deadline cut an attempt that waits too long for its
// response headers; the caller's request is not modified. Once the
// headers have come, the returned response's body is read under the
// caller's context only: cancelling that context stops the read, the
// policy's timeouts no longer do. Close the body, as always; closing it
// also releases the context the Transport made for it.
type Transport struct {
	// Base sends each attempt. Nil means http.DefaultTransport.
	Base http.RoundTripper
	// Policy is the failure policy every request runs under. Nil means
	// redress's defaults (see redress.New).
	Policy *redress.Policy
	// RetryNonIdempotent lets requests whose method is not idempotent,
	// such as POST and PATCH, be retried (and hedged) like the others.
	// Set it only when the server makes those requests safe to repeat; a
	// request can say so itself with an Idempotency-Key header instead.
	RetryNonIdempotent bool
}

var _ http.RoundTripper = (*Transport)(nil)

// NewClient returns an http.Client whose Transport sends each request
// through a policy built from opts (see redress.New) over
// http.DefaultTransport. The error, from redress.New, wraps
// redress.ErrInvalidConfig. To set Base or RetryNonIdempotent, make the
// client from a Transport instead:
//
//	client := &http.Client{Transport: &redresshttp.Transport{Policy: p, RetryNonIdempotent: true}}
func NewClient(opts ...redress.Option) (*http.Client, error) {
	p, err := redress.New(opts...)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &Transport{Policy: p}}, nil
}

// RoundTrip sends req through the Transport's policy and returns the last
// response received, or the policy's *redress.StopError when there is none
// to return (see Transport). Like every RoundTripper it closes req.Body,
// even on errors, and does not modify req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := newCall(req, t.base(), !t.replayable(req))
	opts := make([]redress.Option, 0, 4)
	if t.Policy != nil {
		opts = append(opts, t.Policy)
	}
	opts = append(opts, classifyResponses, redress.WithObserver(redress.ObserverFunc(c.observe)))
	if c.once {
		opts = append(opts, sendOnce)
	}
	resp, err := redress.Execute(req.Context(), c.send, opts...)
	return c.finish(resp, err)
}

// CloseIdleConnections closes the idle connections of Base, if it has a
// CloseIdleConnections method, as http.Client.CloseIdleConnections expects
// of its Transport.
func (t *Transport) CloseIdleConnections() {
	type closeIdler interface{ CloseIdleConnections() }
	if ci, ok := t.base().(closeIdler); ok {
		ci.CloseIdleConnections()
	}
}

var (
	classifyResponses = redress.WithResultClassifier(classifyResponse)
	sendOnce          = redress.WithRetry(retry.WithMaxAttempts(1))
)

func (t *Transport) base() http.RoundTripper {
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}

// replayable reports whether req may be sent more than once.
func (t *Transport) replayable(req *http.Request) bool {
	if hasBody(req) && req.GetBody == nil {
		return false
	}
	return t.RetryNonIdempotent || idempotent(req)
}

// idempotent reports whether req's method is idempotent (RFC 9110
// §9.2.2), or the request says it may be repeated with an idempotency key,
// as http.Transport reads one.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	if _, ok := req.Header["Idempotency-Key"]; ok {
		return true
	}
	_, ok := req.Header["X-Idempotency-Key"]
	return ok
}

func hasBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody
}

// receivedAt is the time at which a response is classified, for a
// Retry-After date when the response has no Date.
func receivedAt() time.Time { return clock.Real.Now() }
