package redresshttp

import (
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
// The Transport does not return StatusErrors: it hands the caller the
// failing response itself. StatusError is for code that calls
// http.Client.Do inside its own operation.
type StatusError struct {
	// Code is the response's status code, such as 503.
	Code int
	// Status is the response's status, such as "503 Service Unavailable".
	// An empty Status reads as the code and its text (http.StatusText).
	Status string
	// Wait is how long the server asked the client to wait before trying
	// again (its Retry-After), or 0 when it did not say.
	Wait time.Duration
}

// Error returns "redresshttp: status " and the status.
func (e *StatusError) Error() string {
	s := e.Status
	if s == "" {
		s = strconv.Itoa(e.Code) + " " + http.StatusText(e.Code)
	}
	return "redresshttp: status " + s
}

// StatusCode returns e.Code, for classifier.Default.
func (e *StatusError) StatusCode() int { return e.Code }

// RetryAfter returns e.Wait, for classifier.Default.
func (e *StatusError) RetryAfter() time.Duration { return e.Wait }

// CheckResponse returns a *StatusError when resp's status is a failure,
// that is when classifier.HTTPStatus gives it a class other than UNKNOWN
// (every 4xx and 5xx), and nil otherwise (1xx to 3xx).
//
// The error's Wait is the response's Retry-After (RFC 9110 §10.2.3) for
// a 429 or a 503, the two statuses with which a server asks the client to
// come back later, and 0 for any other status. A Retry-After that is an
// HTTP-date is read relative to the response's Date header when it has a
// valid one, as both come from the server's clock, so a skewed local clock
// does not change the wait; otherwise relative to now, the time the
// response was received. The wait is the server's, uncapped: capping it is
// the retry policy's job (retry.WithMaxRetryAfter, 5 minutes by default).
//
// CheckResponse neither reads nor closes resp.Body: the caller owns it,
// and should drain and close it before it retries, so that the connection
// can be reused.
func CheckResponse(resp *http.Response, now time.Time) error {
	if classifier.HTTPStatus(resp.StatusCode) == classifier.Unknown {
		return nil
	}
	return &StatusError{Code: resp.StatusCode, Status: resp.Status, Wait: retryAfter(resp, now)}
}

// classifyResponse is the Transport's result classifier: a response with
// a failing status is a failure of the class of its status.
func classifyResponse(resp *http.Response) (classifier.Classification, bool) {
	class := classifier.HTTPStatus(resp.StatusCode)
	if class == classifier.Unknown {
		return classifier.Classification{}, false
	}
	return classifier.Classification{
		Class:      class,
		RetryAfter: retryAfter(resp, receivedAt()),
		Details:    map[string]string{"http.status": strconv.Itoa(resp.StatusCode)},
	}, true
}

// retryAfter returns the Retry-After of a 429 or 503 response received at
// now, or 0.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		now = date
	}
	d, _ := classifier.ParseRetryAfter(v, now)
	return d
}
