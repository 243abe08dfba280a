package redresshttp

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// shedRetryAfter is the Retry-After of a request shed by a full bulkhead
// or a throttle, which do not know when they will let requests in again:
// a bulkhead slot is usually free within a second.
const shedRetryAfter = "1"

// Shed returns server middleware that sheds load with the bulkhead,
// throttle and breaker of the policy that opts describe (see redress.New;
// a prebuilt *redress.Policy is an option too), before the handler runs:
//
//	mux := http.NewServeMux()
//	…
//	srv := &http.Server{Handler: redresshttp.Shed(
//		redress.WithBulkhead(bulkhead), // at most n requests at a time
//		redress.WithBreaker(br),        // stop serving while handlers fail
//	)(mux)}
//
// A request the policy lets in runs the handler once: servers do not
// retry, so the policy is built with one attempt and no deadline of its
// own (redress.WithRetry(retry.WithMaxAttempts(1)) and
// redress.WithoutDeadline() after opts), and its attempt timeout, if
// opts give one, ends the context of the handler's request. A request it
// sheds never reaches the handler and is answered at once:
//
//   - 503 Service Unavailable when the bulkhead is full, with Retry-After: 1;
//   - 503 Service Unavailable when the breaker is open, with a Retry-After
//     of the seconds until it lets a probe through, when it knows them
//     (breaker.OpenError.RetryIn, rounded up);
//   - 429 Too Many Requests when the throttle rejects it, with
//     Retry-After: 1;
//   - 503 Service Unavailable when the request's context ended before
//     the handler could run.
//
// The handler's outcome is what it wrote: a 5xx status is a SERVER_ERROR
// failure and a 429 a RATE_LIMIT failure, for the breaker, the throttle
// and the observers; any other status, a handler that writes nothing, and
// a connection it hijacks are successes. A handler that panics counts as
// a failure, and the panic goes on to net/http unchanged.
//
// The middleware never reads or buffers the request's body. It wraps the
// http.ResponseWriter to see the status; the wrapper has an Unwrap
// method, so http.ResponseController reaches the server's own writer
// (Flush, Hijack, deadlines), and a Flush method for handlers that
// assert http.Flusher.
//
// The handler runs at most once per request, even under a policy that
// hedges (redress.WithHedging): a hedge waits for the one run.
//
// Invalid options never panic: every request is then answered 500
// Internal Server Error and the handler is never called. Check the
// options with redress.New when the server starts to fail early.
func Shed(opts ...redress.Option) func(http.Handler) http.Handler {
	all := make([]redress.Option, 0, len(opts)+3)
	all = append(all, opts...)
	all = append(all, redress.WithRetry(retry.WithMaxAttempts(1)), redress.WithoutDeadline(),
		redress.WithClassifier(classifier.Func(classifyHandler)))
	policy, err := redress.New(all...)
	return func(next http.Handler) http.Handler {
		if err != nil {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			})
		}
		return &shedder{policy: policy, next: next}
	}
}

// shedder is the handler Shed returns.
type shedder struct {
	policy *redress.Policy
	next   http.Handler
}

func (s *shedder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sr := &shedRequest{w: statusWriter{ResponseWriter: w}, r: r, next: s.next, done: make(chan struct{})}
	err := redress.Do(r.Context(), sr.serve, s.policy)
	if err == nil || sr.ran.Load() {
		return // the handler has answered
	}
	if errors.Is(err, redress.ErrInvalidConfig) {
		// A per-call check of the policy failed (a fallback for another
		// type, say): as for options New rejects.
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	var se *redress.StopError
	errors.As(err, &se)
	switch {
	case se != nil && se.Reason == redress.StopThrottled:
		w.Header().Set("Retry-After", shedRetryAfter)
		http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
		return
	case se != nil && se.Reason == redress.StopBulkheadFull:
		w.Header().Set("Retry-After", shedRetryAfter)
	case se != nil && se.Reason == redress.StopCircuitOpen:
		var oe *breaker.OpenError
		if errors.As(err, &oe) && oe.RetryIn > 0 {
			w.Header().Set("Retry-After", retryAfterSeconds(oe.RetryIn))
		}
	}
	http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
}

// retryAfterSeconds is d in whole seconds, rounded up, as Retry-After
// takes them (RFC 9110 §10.2.3).
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
}

// shedRequest is one request a shedder serves.
type shedRequest struct {
	w    statusWriter
	r    *http.Request
	next http.Handler
	ran  atomic.Bool   // the handler was called
	done chan struct{} // closed when the handler has returned, err set
	err  error         // the handler's failure, for a hedge to share
}

// serve runs the handler, under ctx, and fails as the status it wrote
// says.
func (sr *shedRequest) serve(ctx context.Context) error {
	if sr.ran.Swap(true) {
		// A hedge (redress.WithHedging): the handler runs once, and this
		// invocation ends as it did, so that the hedging stage, which
		// waits for every invocation, ends with it even when it fails.
		select {
		case <-sr.done:
			return sr.err
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	defer close(sr.done)
	r := sr.r
	if ctx != r.Context() {
		r = r.WithContext(ctx)
	}
	sr.next.ServeHTTP(&sr.w, r)
	if code := sr.w.status; code >= 500 || code == http.StatusTooManyRequests {
		sr.err = &handlerError{code: code}
		return sr.err
	}
	return nil
}

// handlerError is a handler's answer that counts as a failure.
type handlerError struct{ code int }

func (e *handlerError) Error() string {
	return "redresshttp: handler answered " + strconv.Itoa(e.code) + " " + http.StatusText(e.code)
}

// classifyHandler is the classifier of a shedding policy: a handler's
// 429 is RATE_LIMIT and any other failing status SERVER_ERROR. Nothing
// else fails.
func classifyHandler(err error) classifier.Classification {
	var he *handlerError
	if errors.As(err, &he) && he.code == http.StatusTooManyRequests {
		return classifier.Classification{Class: classifier.RateLimit}
	}
	return classifier.Classification{Class: classifier.ServerError}
}

// statusWriter is the handler's http.ResponseWriter: it records the
// status the handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int // the final status written, or 0
}

// WriteHeader records the status, unless it is informational (1xx), and
// writes it.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes p, after an implicit 200 if no status was written.
func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends what the handler has written so far, if the server's writer
// can (http.Flusher).
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the server's writer, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var _ http.Flusher = (*statusWriter)(nil)
