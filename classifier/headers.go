package classifier

import (
	"strconv"
	"strings"
	"time"
)

// Headers are taken as map[string][]string, the type underlying
// http.Header, so that an http.Header is passed as it is without this
// package importing net/http (which would add it to every program that
// classifies errors). A key is looked up in its canonical form, as
// http.Header.Get does, and then in lower case, the form some hand-built
// maps and HTTP/2 or gRPC metadata use.

// header returns the first value of the field whose canonical name is
// canonical and whose lower-case name is lower, or "".
func header(h map[string][]string, canonical, lower string) string {
	if vs := h[canonical]; len(vs) > 0 {
		return vs[0]
	}
	if vs := h[lower]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// HTTPResponse classifies an HTTP response with a failing status, to a
// request with the given method and host, received at now with header h
// (an http.Header can be passed as it is). It reports false, with the
// zero Classification, when the status is not a failure (HTTPStatus gives
// it UNKNOWN: 1xx to 3xx).
//
// The class is HTTPStatus(status). RetryAfter is RetryAfterHeader's, for
// any failing status: a 429 or a 503 usually, but a server that says when
// to come back with another status is asking too. Whether a class waits
// for it is the retry policy's choice (by default RATE_LIMIT and
// SERVER_ERROR do, capped). Details holds DetailHTTPStatus,
// DetailHTTPMethod (an empty method is GET, as for net/http) and
// DetailHTTPHost (host without any user information, path or query; left
// out when empty): never the URL's path or query, a header or a body,
// which may carry credentials.
func HTTPResponse(method, host string, status int, h map[string][]string, now time.Time) (Classification, bool) {
	class := HTTPStatus(status)
	if class == Unknown {
		return Classification{}, false
	}
	if method == "" {
		method = "GET"
	}
	d := map[string]string{DetailHTTPStatus: strconv.Itoa(status), DetailHTTPMethod: method}
	if host = hostOnly(host); host != "" {
		d[DetailHTTPHost] = host
	}
	wait, _ := RetryAfterHeader(h, now)
	return Classification{Class: class, RetryAfter: wait, Details: d}, true
}

// RetryAfterHeader returns how long an HTTP response with header h,
// received at now, asks the client to wait, and whether it says at all.
// An http.Header can be passed as it is.
//
// Retry-After-Ms comes first: a non-negative number of milliseconds,
// with an optional fraction ("1500", "20.5"), which the OpenAI and
// Anthropic APIs send as retry-after-ms because whole seconds are too
// coarse for them. When it is absent or malformed, Retry-After is read by
// ParseRetryAfter; a date in it is taken relative to the response's Date
// header when that is a valid HTTP-date, since both come from the
// server's clock and a skewed local clock then does not change the wait,
// and relative to now otherwise.
//
// The result is never negative. Like ParseRetryAfter, it is what the
// server asked, saturated at the largest Duration rather than capped:
// the retry policy caps it before any strategy sees it
// (retry.WithMaxRetryAfter, 5 minutes by default).
func RetryAfterHeader(h map[string][]string, now time.Time) (time.Duration, bool) {
	if d, ok := parseRetryAfterMs(header(h, "Retry-After-Ms", "retry-after-ms")); ok {
		return d, true
	}
	v := header(h, "Retry-After", "retry-after")
	if v == "" {
		return 0, false
	}
	if date, ok := parseHTTPDate(strings.Trim(header(h, "Date", "date"), " \t"), now); ok {
		now = date
	}
	return ParseRetryAfter(v, now)
}

// maxMillis is the largest number of whole milliseconds a Duration holds.
const maxMillis = int64(maxDuration / time.Millisecond)

// parseRetryAfterMs parses a Retry-After-Ms value, 1*DIGIT [ "." 1*DIGIT ]
// milliseconds between optional spaces and tabs, saturating at the
// largest Duration. Digits of the fraction beyond the nanosecond are
// dropped. A sign, an exponent, "NaN" or "Inf" make it malformed.
func parseRetryAfterMs(v string) (time.Duration, bool) {
	v = strings.Trim(v, " \t")
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" || dot && frac == "" {
		return 0, false
	}
	var ms int64
	for i := 0; i < len(whole); i++ {
		c := whole[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if ms <= maxMillis {
			ms = ms*10 + int64(c-'0')
		}
	}
	var ns int64 // the fraction, in nanoseconds
	scale := int64(100_000)
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		ns += int64(c-'0') * scale
		scale /= 10
	}
	if ms > maxMillis || time.Duration(ms)*time.Millisecond > maxDuration-time.Duration(ns) {
		return maxDuration, true
	}
	return time.Duration(ms)*time.Millisecond + time.Duration(ns), true
}
