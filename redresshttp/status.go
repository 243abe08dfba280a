package redresshttp

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/redress-go/redress/classifier"
)

// StatusError is an HTTP response whose status is a failure, as an error.
// It has the methods classifier.Default looks for, StatusCode and
// RetryAfter, so an operation run by redress.Execute that returns one is
// classified by its status (see classifier.HTTPStatus): a 503 is
// SERVER_ERROR and retried, a 404 is PERMANENT and is not, and a 429 is
// RATE_LIMIT and retried after the server's Retry-After. CheckResponse
// makes one from a response.
//
// The Transport hands the caller the failing response itself, not a
// StatusError; its observers see each failing response as a StatusError
// (Event.Err), which names the method, host and status and nothing of
// the URL's path or query, the headers or the body.
type StatusError struct {
	// Code is the response's status code, such as 503.
	Code int
	// Status is the response's status, such as "503 Service Unavailable".
	// An empty Status reads as the code and its text (http.StatusText).
	Status string
	// Wait is how long the server asked the client to wait before trying
	// again (its Retry-After-Ms or Retry-After), or 0 when it did not say.
	Wait time.Duration
	// Method is the request's method, such as "GET", or "" when unknown.
	Method string
	// Host is the host (and port) the request went to, such as
	// "api.example.com", or "" when unknown: never the URL's user
	// information, path or query.
	Host string
}

// Error returns "redresshttp: ", the method and host when known, and the
// status: "redresshttp: GET api.example.com: status 503 Service Unavailable".
func (e *StatusError) Error() string {
	s := e.Status
	if s == "" {
		s = strconv.Itoa(e.Code) + " " + http.StatusText(e.Code)
	}
	prefix := "redresshttp: "
	switch {
	case e.Method != "" && e.Host != "":
		prefix += e.Method + " " + e.Host + ": "
	case e.Method != "" || e.Host != "":
		prefix += e.Method + e.Host + ": "
	}
	return prefix + "status " + s
}

// StatusCode returns e.Code, for classifier.Default.
func (e *StatusError) StatusCode() int { return e.Code }

// RetryAfter returns e.Wait, for classifier.Default.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// CheckResponse returns a *StatusError when resp's status is a failure,
// that is when classifier.HTTPStatus gives it a class other than UNKNOWN
// (every 4xx and 5xx), and nil otherwise (1xx to 3xx).
//
// The error's Wait is what the response asks the client to wait
// (classifier.RetryAfterHeader): its Retry-After-Ms, or else its
// Retry-After (RFC 9110 §10.2.3). A Retry-After that is an HTTP-date is
// read relative to the response's Date header when it has a valid one, as
// both come from the server's clock, so a skewed local clock does not
// change the wait; otherwise relative to now, the time the response was
// received. The wait is the server's, uncapped: capping it is the retry
// policy's job (retry.WithMaxRetryAfter, 5 minutes by default). Method
// and Host are those of resp.Request, when it is set.
//
// CheckResponse neither reads nor closes resp.Body: the caller owns it,
// and should drain and close it before it retries, so that the connection
// can be reused.
func CheckResponse(resp *http.Response, now time.Time) error {
	if classifier.HTTPStatus(resp.StatusCode) == classifier.Unknown {
		return nil
	}
	wait, _ := classifier.RetryAfterHeader(resp.Header, now)
	e := &StatusError{Code: resp.StatusCode, Status: resp.Status, Wait: wait}
	if r := resp.Request; r != nil {
		e.Method = r.Method
		if e.Method == "" {
			e.Method = http.MethodGet
		}
		if r.URL != nil {
			e.Host = r.URL.Host
		}
	}
	return e
}

// Details keys the Transport adds to the classification of a failure of
// a request it sends only once (see Transport).
const (
	// DetailSentOnce says why the request was not sent again, such as
	// "method POST is not idempotent and the request has no
	// Idempotency-Key".
	DetailSentOnce = "http.sent_once"
	// DetailClass is the class the failure would have had had the
	// request been safe to send again, such as "SERVER_ERROR".
	DetailClass = "http.class"
)

// responseClassifier is the classifier of a Transport's policy: a failing
// response (a *StatusError the Transport made) by its status, anything
// else by the policy's classifier, with the request's method and host in
// the Details of a send that got no response; and a failure that would be
// retried of a request that may not be sent again as PERMANENT.
type responseClassifier struct{ policy classifier.Classifier }

func (rc responseClassifier) Classify(err error) classifier.Classification {
	var cl classifier.Classification
	var se *StatusError
	var re *requestError
	switch {
	case errors.As(err, &se):
		cl = se.classify()
	case errors.As(err, &re):
		cl = rc.policy.Classify(err)
		d := make(map[string]string, len(cl.Details)+2)
		for k, v := range cl.Details {
			d[k] = v
		}
		d[classifier.DetailHTTPMethod] = re.method
		if re.host != "" {
			d[classifier.DetailHTTPHost] = re.host
		}
		cl.Details = d
	default:
		cl = rc.policy.Classify(err)
	}
	var once *sentOnceError
	if !cl.Class.Retryable() || !errors.As(err, &once) {
		return cl
	}
	once.c.setClass(cl.Class)
	d := make(map[string]string, len(cl.Details)+2)
	for k, v := range cl.Details {
		d[k] = v
	}
	d[DetailSentOnce] = once.c.once
	d[DetailClass] = cl.Class.String()
	return classifier.Classification{Class: classifier.Permanent, Details: d}
}

// classify returns the classification of e: the class of its status, its
// wait, and Details with its status, method and host (the keys
// classifier.HTTPResponse uses).
func (e *StatusError) classify() classifier.Classification {
	d := map[string]string{classifier.DetailHTTPStatus: strconv.Itoa(e.Code)}
	if e.Method != "" {
		d[classifier.DetailHTTPMethod] = e.Method
	}
	if e.Host != "" {
		d[classifier.DetailHTTPHost] = e.Host
	}
	return classifier.Classification{Class: classifier.HTTPStatus(e.Code), RetryAfter: e.Wait, Details: d}
}
