package redressopenai

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// The keys of Classification.Details that Classifier sets besides the
// HTTP ones of package classifier (status, method and host).
const (
	// DetailErrorCode is the error's code, from the body's error.code:
	// "rate_limit_exceeded", "insufficient_quota".
	DetailErrorCode = "openai.error_code"
	// DetailErrorType is the error's type, from the body's error.type:
	// "requests", "tokens", "insufficient_quota", "server_error".
	DetailErrorType = "openai.error_type"
	// DetailRequestID is the x-request-id OpenAI gave the failed request,
	// for its support.
	DetailRequestID = "openai.request_id"
)

// insufficientQuota is the code and type of the 429 OpenAI answers when
// the account has run out of credit or hit its spending limit ("You
// exceeded your current quota, please check your plan and billing
// details", in OpenAI's "Error codes" guide). Waiting does not help.
const insufficientQuota = "insufficient_quota"

// Classifier classifies the errors of the OpenAI Go SDK. For an
// *openai.Error (a response with a failing status), the first rule that
// applies decides:
//
//  1. A marker (classifier.Mark…) anywhere in the chain: as marked.
//  2. The response's x-should-retry header, which the OpenAI API sends to
//     overrule the status and the SDK follows before it: "false" is
//     PERMANENT; "true" is TRANSIENT unless the status gives a class that
//     is retried anyway.
//  3. 429 with the code or type insufficient_quota: PERMANENT (out of
//     credit or over the spending limit; waiting will not help). Any
//     other 429: RATE_LIMIT.
//  4. Any other status: classifier.HTTPStatus, so 5xx (the API's
//     server_error 500 and overloaded 503) is SERVER_ERROR, 408 TRANSIENT,
//     409 CONCURRENCY (the SDK retries both), 401 AUTH, 403 PERMISSION
//     (such as an unsupported country), 400, 404, 422 and any other 4xx
//     PERMANENT.
//
// Any other error (a connection refused or reset, a timeout) is
// classifier.Default's: TRANSIENT for network failures, UNKNOWN for the
// caller's own context errors, which redress never retries.
//
// RetryAfter is what the response asks for: retry-after-ms, else
// retry-after (classifier.RetryAfterHeader), else, for a RATE_LIMIT, the
// time until the exhausted limit resets, from x-ratelimit-reset-requests
// and x-ratelimit-reset-tokens (classifier.ParseRateLimitReset); capped at
// retry.DefaultMaxRetryAfter. Dates are read against the response's Date
// header when it has one, so that a skewed local clock does not change
// the wait. Details holds the HTTP status, method and host, and the
// error's code, type and request ID (DetailErrorCode, DetailErrorType,
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
	var e *openai.Error
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
	if e.StatusCode == http.StatusTooManyRequests && (e.Code == insufficientQuota || e.Type == insufficientQuota) {
		c.Class = classifier.Permanent
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
	set(c.Details, DetailErrorCode, e.Code)
	set(c.Details, DetailErrorType, e.Type)
	set(c.Details, DetailRequestID, h.Get("X-Request-Id"))
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
