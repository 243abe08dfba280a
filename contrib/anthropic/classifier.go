package redressanthropic

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// The keys of Classification.Details that Classifier sets besides the
// HTTP ones of package classifier (status, method and host).
const (
	// DetailErrorType is the error's type, from the body's error.type:
	// "rate_limit_error", "overloaded_error", "invalid_request_error".
	DetailErrorType = "anthropic.error_type"
	// DetailErrorCode is the error's code, from the body's
	// error.details.error_code, when it has one:
	// "enforced_spend_limit_reached".
	DetailErrorCode = "anthropic.error_code"
	// DetailRequestID is the request-id Anthropic gave the failed request,
	// for its support.
	DetailRequestID = "anthropic.request_id"
)

// spendLimits are the codes of the 429s that a spend limit causes, which
// waiting does not end: the SDK documents contract_spend_limit_reached
// ("the organization has reached the spend limit of its contract") and
// enforced_spend_limit_reached ("the organization has crossed the monthly
// API usage threshold of its API tier"), both returned with HTTP 429.
var spendLimits = map[anthropic.ErrorCode]bool{
	"contract_spend_limit_reached": true,
	"enforced_spend_limit_reached": true,
}

// overloaded is the status of the API's overloaded_error ("the API is
// temporarily overloaded", in Anthropic's "Errors" guide).
const overloaded = 529

// Classifier classifies the errors of the Anthropic Go SDK. For an
// *anthropic.Error (a response with a failing status), the first rule
// that applies decides:
//
//  1. A marker (classifier.Mark…) anywhere in the chain: as marked.
//  2. The response's x-should-retry header, which the API sends to
//     overrule the status and the SDK follows before it: "false" is
//     PERMANENT; "true" is TRANSIENT unless the status gives a class that
//     is retried anyway.
//  3. 429 whose error code is contract_spend_limit_reached or
//     enforced_spend_limit_reached: PERMANENT (a spend limit; waiting
//     will not help). Any other 429 (rate_limit_error, a ramp limit):
//     RATE_LIMIT.
//  4. 529 or the type overloaded_error: SERVER_ERROR. The API as a whole
//     is short of capacity, not this client over its limits: the
//     failure counts against a circuit breaker (which by default trips on
//     SERVER_ERROR, not on RATE_LIMIT), so that a fleet backs off an
//     overloaded API, and it is retried with the backoff, or after the
//     response's retry-after when it sends one.
//  5. Any other status: classifier.HTTPStatus, so 500 api_error and 504
//     timeout_error are SERVER_ERROR, 408 TRANSIENT, 409 CONCURRENCY (the
//     SDK retries both), 401 AUTH, 403 PERMISSION, and 400, 402 billing,
//     404, 413 and any other 4xx PERMANENT.
//
// Any other error (a connection refused or reset, a timeout) is
// classifier.Default's: TRANSIENT for network failures, UNKNOWN for the
// caller's own context errors, which redress never retries.
//
// RetryAfter is what the response asks for: retry-after-ms, else
// retry-after (classifier.RetryAfterHeader), else, for a RATE_LIMIT, the
// time until the exhausted limit resets, from the RFC 3339 times of
// anthropic-ratelimit-requests-reset, -tokens-reset, -input-tokens-reset
// and -output-tokens-reset (classifier.ParseRateLimitReset); capped at
// retry.DefaultMaxRetryAfter. Times are read against the response's Date
// header when it has one, so that a skewed local clock does not change
// the wait. Details holds the HTTP status, method and host, and the
// error's type, code and request ID (DetailErrorType, DetailErrorCode,
// DetailRequestID) when it has them: never the URL's path or query, the
// headers (with the API key) or the bodies.
//
// Classifier is safe for concurrent use.
var Classifier classifier.Classifier = classifier.Func(classify)

func classify(err error) classifier.Classification {
	return classifyAt(err, time.Now)
}

// classifyAt is Classifier with the local clock given.
func classifyAt(err error, now func() time.Time) classifier.Classification {
	var e *anthropic.Error
	var marked *classifier.MarkedError
	if err == nil || errors.As(err, &marked) || !errors.As(err, &e) || e == nil {
		return classifier.Default.Classify(err)
	}
	var h http.Header
	if e.Response != nil {
		h = e.Response.Header
	}
	at := responseTime(h, now)
	method, host := requestOf(e.Request, e.Response)
	// HTTPResponse gives the class of the status, the Retry-After-Ms or
	// Retry-After, and the status, method and host in Details.
	c, _ := classifier.HTTPResponse(method, host, e.StatusCode, h, at)
	switch {
	case e.StatusCode == http.StatusTooManyRequests && spendLimits[e.ErrorCode()]:
		c.Class = classifier.Permanent
	case e.StatusCode == overloaded || e.Type() == "overloaded_error":
		c.Class = classifier.ServerError
	}
	switch h.Get("X-Should-Retry") {
	case "false":
		c.Class = classifier.Permanent
	case "true":
		if !c.Class.Retryable() || c.Class == classifier.Unknown {
			c.Class = classifier.Transient
		}
	}
	if _, given := classifier.RetryAfterHeader(h, at); !given && c.Class == classifier.RateLimit {
		c.RetryAfter, _ = classifier.ParseRateLimitReset(h, at)
	}
	c.RetryAfter = min(c.RetryAfter, retry.DefaultMaxRetryAfter)
	if c.Details == nil {
		c.Details = map[string]string{classifier.DetailHTTPStatus: strconv.Itoa(e.StatusCode)}
	}
	set(c.Details, DetailErrorType, string(e.Type()))
	set(c.Details, DetailErrorCode, string(e.ErrorCode()))
	set(c.Details, DetailRequestID, e.RequestID)
	return c
}

// responseTime returns the time the response says it was sent (its Date
// header), or now.
func responseTime(h http.Header, now func() time.Time) time.Time {
	if t, err := http.ParseTime(h.Get("Date")); err == nil {
		return t
	}
	return now()
}

// requestOf returns the method and host of the request that failed.
func requestOf(req *http.Request, resp *http.Response) (method, host string) {
	if req == nil && resp != nil {
		req = resp.Request
	}
	if req == nil {
		return "", ""
	}
	if req.URL != nil {
		host = req.URL.Host
	}
	return req.Method, host
}

// set sets d[k] to v unless v is empty.
func set(d map[string]string, k, v string) {
	if v != "" {
		d[k] = v
	}
}
