package redresshttp

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
)

// Transport is an http.RoundTripper that sends each request through a
// redress policy: failing responses and transport errors are classified
// and retried as the policy says, behind its breaker, budget and
// timeouts. Use it as an http.Client's Transport; NewClient makes one.
//
// The zero value is ready to use: it sends requests with
// http.DefaultTransport under redress's default policy. A Transport is safe
// for concurrent use by any number of requests. It builds what every
// request shares (the policy with the Transport's classifier and observer
// in it) once, at its first request, so its fields must not be changed
// once it is in use; share one the way http.Transport is shared, so that
// its policy's breaker and budget see all the traffic.
//
// # What is retried
//
// A response is a failure when its status is one (classifier.HTTPStatus
// gives every 4xx and 5xx a class): its class decides whether it is retried,
// so a 503 is (SERVER_ERROR), a 429 is after the server's Retry-After
// (RATE_LIMIT), and a 404 is not (PERMANENT). The Retry-After-Ms or
// Retry-After of a failing response (classifier.RetryAfterHeader) is
// carried to the policy, which caps it (retry.WithMaxRetryAfter, 5
// minutes by default); by default RATE_LIMIT and SERVER_ERROR wait for it.
// A failing response reaches observers as a *StatusError naming the
// method, host and status, and its classification's Details hold the same
// (classifier.DetailHTTPStatus, DetailHTTPMethod, DetailHTTPHost): never
// the URL's path or query, a header or a body. An error from Base reaches
// them behind the same "redresshttp: METHOD host: " prefix, and the
// Details of its classification get the method and host too. An error from Base is
// classified by the policy's classifier (classifier.Default unless the
// policy says otherwise). Responses are classified by the Transport alone:
// a result classifier of the policy (redress.WithResultClassifier) is not
// used.
//
// A request is sent again only if doing so is safe. Its method must be
// idempotent (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE),
// or it must carry an Idempotency-Key or X-Idempotency-Key header (as for
// http.Transport, a key present with a nil value counts and is not sent),
// which AddIdempotencyKey has the Transport add, or RetryNonIdempotent
// must be set. And its body, if it has one, must be replayable:
// req.GetBody must be set, as http.NewRequest does for a *bytes.Buffer,
// *bytes.Reader or *strings.Reader body; every attempt after the first
// sends a fresh body from GetBody, so the server receives the same bytes
// each time. Any other request is sent once, still through the policy's
// breaker, throttle, bulkhead and timeouts, and is never hedged
// (redress.WithHedging): a hedge that falls due sends nothing and waits
// for the one send. A failure of such a request that would have been
// retried is classified PERMANENT, so the call stops with
// NON_RETRYABLE_CLASS (event permanent_fail), not as if its retries had
// run out; its Details say why (DetailSentOnce) and what class it had
// (DetailClass), and the policy's breaker is told that class, so the
// failure counts against the breaker as it would for any request.
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
// A response that is retried is drained and closed in the background
// when the next attempt starts, on a budget of its own: up to 64 KiB and
// for at most a second on the real clock, whatever the policy's clock and
// the next attempt are doing, so that its connection can be reused
// without a slow body costing the next attempt any time.
// CloseIdleConnections waits for these drains. Any other response that is not
// returned (the loser of a hedge, say) is closed. The response returned is
// the one the last attempt received, its body unread, with resp.Request
// set to the caller's request.
//
// # Contexts and timeouts
//
// Each attempt sends a shallow copy of the request (req.WithContext)
// under a context that carries the attempt's values, so a per-attempt
// timeout (redress.WithAttemptTimeout) and the policy's deadline cut an
// attempt that waits too long for its response headers; the caller's
// request is not modified. Once the headers have come, the returned
// response's body is read under the caller's context only: cancelling
// that context stops the read, the policy's timeouts no longer do. Close
// the body, as always; closing it also releases what the Transport
// watches for it.
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
	// AddIdempotencyKey has the Transport give every request whose
	// method is not idempotent (POST, PATCH, …) and that carries no
	// Idempotency-Key or X-Idempotency-Key an Idempotency-Key header: a
	// random UUID (version 4, from crypto/rand), the same on every
	// attempt of the request and new for each request. The request may
	// then be retried like a GET. Set it for servers that deduplicate
	// requests by that key (as the IETF draft "The Idempotency-Key HTTP
	// Header Field" describes); a server that ignores the header would
	// run a retried request twice. The caller's request is not modified.
	AddIdempotencyKey bool
	// Operation names the operation of each request, for events, logs,
	// metrics and errors (redress.WithOperation), unless the request's
	// context names it (WithOperation). Nil, or an empty name, means the
	// policy's operation name. Return a name of low cardinality, such as
	// "users.get" or the method and host: metrics use it as a label, so
	// never the URL's path with identifiers in it, nor its query.
	Operation func(*http.Request) string

	prep   sync.Once
	shared shared // what every request uses, built by prep

	// The background drains of discarded responses: how many run, and a
	// channel closed when that falls to none, made by a
	// CloseIdleConnections that waits. (A sync.WaitGroup would forbid a
	// request from starting a drain while CloseIdleConnections waits.)
	drainMu   sync.Mutex
	drains    int
	drainIdle chan struct{}
}

// shared is what a Transport builds at its first request.
type shared struct {
	policy  *redress.Policy        // Policy, with the Transport's classifier and observer
	err     error                  // why policy could not be built
	breaker redress.CircuitBreaker // Policy's breaker, or nil
	clock   redress.Clock          // Policy's clock
}

var _ http.RoundTripper = (*Transport)(nil)

// NewClient returns an http.Client whose Transport sends each request
// through a policy built from opts (see redress.New) over
// http.DefaultTransport. The error, from redress.New, wraps
// redress.ErrInvalidConfig. To set Base or another field, make the
// client from a Transport instead:
//
//	client := &http.Client{Transport: &redresshttp.Transport{Policy: p, AddIdempotencyKey: true}}
func NewClient(opts ...redress.Option) (*http.Client, error) {
	p, err := redress.New(opts...)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &Transport{Policy: p}}, nil
}

// acceptResponses is the Transport's result classifier: responses with a
// failing status come back from the operation as *StatusError, so every
// response the operation returns without an error is a success. It
// replaces a result classifier the policy may have for *http.Response.
var acceptResponses = redress.WithResultClassifier(func(*http.Response) (classifier.Classification, bool) {
	return classifier.Classification{}, false
})

// prepared returns what every request of t shares, built at the first.
func (t *Transport) prepared() *shared {
	t.prep.Do(func() {
		p := t.Policy
		if p == nil {
			if p, t.shared.err = redress.New(); t.shared.err != nil {
				return
			}
		}
		t.shared.breaker, t.shared.clock = p.Breaker(), p.Clock()
		t.shared.policy, t.shared.err = redress.New(p,
			redress.WithClassifier(responseClassifier{p.Classifier()}),
			acceptResponses,
			redress.WithObserver(redress.ObserverFunc(observe)))
	})
	return &t.shared
}

// RoundTrip sends req through the Transport's policy and returns the last
// response received, or the policy's *redress.StopError when there is none
// to return (see Transport). Like every RoundTripper it closes req.Body,
// even on errors, and does not modify req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	s := t.prepared()
	if s.err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, s.err
	}
	c := newCall(t, req)
	var buf [3]redress.Option
	opts := append(buf[:0], redress.Option(s.policy))
	if name := t.operation(req); name != "" && name != s.policy.Operation() {
		opts = append(opts, redress.WithOperation(name))
	}
	if c.once != "" && s.breaker != nil {
		// The breaker is told the class a failure would have had, not the
		// PERMANENT it is given so that the call stops.
		opts = append(opts, redress.WithBreaker(onceBreaker{c}))
	}
	resp, err := redress.Execute(c, send, opts...)
	return c.finish(resp, err)
}

// operation returns the operation name of req: its context's, then
// Operation's, or "".
func (t *Transport) operation(req *http.Request) string {
	if name, ok := req.Context().Value(operationKey{}).(string); ok && name != "" {
		return name
	}
	if t.Operation != nil {
		return t.Operation(req)
	}
	return ""
}

// CloseIdleConnections waits for the responses being drained in the
// background to be done with (each within a second, see Transport), and
// then closes the idle connections of Base, if it has a
// CloseIdleConnections method, as http.Client.CloseIdleConnections
// expects of its Transport. Once it returns, no goroutine of the
// Transport's is left running.
func (t *Transport) CloseIdleConnections() {
	t.waitDrains()
	type closeIdler interface{ CloseIdleConnections() }
	if ci, ok := t.base().(closeIdler); ok {
		ci.CloseIdleConnections()
	}
}

// waitDrains waits until no background drain runs.
func (t *Transport) waitDrains() {
	t.drainMu.Lock()
	if t.drains == 0 {
		t.drainMu.Unlock()
		return
	}
	if t.drainIdle == nil {
		t.drainIdle = make(chan struct{})
	}
	idle := t.drainIdle
	t.drainMu.Unlock()
	<-idle
}

func (t *Transport) base() http.RoundTripper {
	if t.Base == nil {
		return http.DefaultTransport
	}
	return t.Base
}

// sendOnceReason says why req may be sent only once, or "" when it may be
// sent again; keyed reports that the Transport gives it an
// Idempotency-Key.
func (t *Transport) sendOnceReason(req *http.Request, keyed bool) string {
	if hasBody(req) && req.GetBody == nil {
		return "its body cannot be replayed (no GetBody)"
	}
	if t.RetryNonIdempotent || keyed || idempotent(req) {
		return ""
	}
	return "method " + req.Method + " is not idempotent and the request has no Idempotency-Key"
}

// idempotent reports whether req's method is idempotent (RFC 9110
// §9.2.2), or the request says it may be repeated with an idempotency key,
// as http.Transport reads one.
func idempotent(req *http.Request) bool {
	return idempotentMethod(req.Method) || hasIdempotencyKey(req.Header)
}

func idempotentMethod(m string) bool {
	switch m {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace,
		http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func hasIdempotencyKey(h http.Header) bool {
	if _, ok := h["Idempotency-Key"]; ok {
		return true
	}
	_, ok := h["X-Idempotency-Key"]
	return ok
}

func hasBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody
}

// receivedAt is the time at which a response is classified, for a
// Retry-After date when the response has no Date.
func receivedAt() time.Time { return clock.Real.Now() }

// errNoResponse is the error of a RoundTripper that returned neither a
// response nor an error, and of a fallback that returned no response.
var errNoResponse = errors.New("redresshttp: no response and no error")

// WithOperation returns a copy of ctx that names the operation of a
// request sent with it through a Transport, for events, logs, metrics and
// errors; it comes before the Transport's Operation and the policy's
// name. Use a name of low cardinality ("users.get", not "users.get/42"):
// metrics use it as a label.
//
//	req, _ := http.NewRequestWithContext(redresshttp.WithOperation(ctx, "users.get"), "GET", url, nil)
func WithOperation(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, operationKey{}, name)
}

type operationKey struct{}
