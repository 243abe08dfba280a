package classifier

import (
	"strings"
	"time"
)

// rateLimit names the header fields of one rate limit of an LLM
// provider: when it resets and how much of it is left.
type rateLimit struct {
	reset, resetLower         string // field names, canonical and lower case
	remaining, remainingLower string
	tokens                    bool // counted in tokens, not requests
	date                      bool // reset is an RFC 3339 time, not a duration
}

// rateLimits are the limits ParseRateLimitReset reads. OpenAI's
// x-ratelimit-reset-* give the time until the limit resets as a Go-style
// duration ("1s", "6m0s", "20ms"); Anthropic's anthropic-ratelimit-*-reset
// give the instant it resets, in RFC 3339 ("2024-05-01T12:00:30Z"). Both
// are documented in the providers' "Rate limits" guides.
var rateLimits = [...]rateLimit{
	{"X-Ratelimit-Reset-Requests", "x-ratelimit-reset-requests", "X-Ratelimit-Remaining-Requests", "x-ratelimit-remaining-requests", false, false},
	{"X-Ratelimit-Reset-Tokens", "x-ratelimit-reset-tokens", "X-Ratelimit-Remaining-Tokens", "x-ratelimit-remaining-tokens", true, false},
	{"Anthropic-Ratelimit-Requests-Reset", "anthropic-ratelimit-requests-reset", "Anthropic-Ratelimit-Requests-Remaining", "anthropic-ratelimit-requests-remaining", false, true},
	{"Anthropic-Ratelimit-Tokens-Reset", "anthropic-ratelimit-tokens-reset", "Anthropic-Ratelimit-Tokens-Remaining", "anthropic-ratelimit-tokens-remaining", true, true},
	{"Anthropic-Ratelimit-Input-Tokens-Reset", "anthropic-ratelimit-input-tokens-reset", "Anthropic-Ratelimit-Input-Tokens-Remaining", "anthropic-ratelimit-input-tokens-remaining", true, true},
	{"Anthropic-Ratelimit-Output-Tokens-Reset", "anthropic-ratelimit-output-tokens-reset", "Anthropic-Ratelimit-Output-Tokens-Remaining", "anthropic-ratelimit-output-tokens-remaining", true, true},
}

// ParseRateLimitReset reads the rate-limit reset headers of the OpenAI
// and Anthropic APIs from a response that refused a request (a 429), and
// returns how long to wait, from now, until the limit that refused it has
// reset. It reports false when the headers name no such limit. An
// http.Header can be passed as it is. Redress does not read these headers
// by itself: a classifier that wants them calls ParseRateLimitReset and
// puts the result in Classification.RetryAfter, where the retry policy
// caps it like any Retry-After (retry.WithMaxRetryAfter, 5 minutes by
// default). A Retry-After or Retry-After-Ms, when the response has one, is
// the server's own answer and should come first (RetryAfterHeader).
//
// The fields read are OpenAI's x-ratelimit-reset-requests and
// x-ratelimit-reset-tokens (a duration such as "6m0s", "1s" or "20ms",
// read by time.ParseDuration) and Anthropic's
// anthropic-ratelimit-requests-reset, -tokens-reset, -input-tokens-reset
// and -output-tokens-reset (an RFC 3339 time; one at or before now waits
// 0), each with the matching "remaining" field. A malformed, signed or
// overflowing value is ignored.
//
// A response says which limits are exhausted only through their
// remaining fields, so the choice goes:
//
//  1. A limit with 0 remaining is exhausted. The wait is the latest reset
//     of the exhausted limits: the request needs every one of them back.
//  2. Otherwise no limit says so. A request limit with requests remaining
//     is not the one that refused (a request takes one), but a token limit
//     with tokens remaining may still have fewer than the request needs.
//     The wait is then the latest reset of the limits that may be
//     exhausted, which is every limit but those request limits.
//
// The latest reset rather than the earliest: a retry sent before the
// limit that refused it has reset is refused again and, for request
// limits, spends the limit further; waiting longer than needed is bounded
// by the policy's cap.
func ParseRateLimitReset(h map[string][]string, now time.Time) (time.Duration, bool) {
	var exhausted, maybe time.Duration
	var anyExhausted, anyMaybe bool
	for i := range rateLimits {
		l := &rateLimits[i]
		wait, ok := parseReset(header(h, l.reset, l.resetLower), l.date, now)
		if !ok {
			continue
		}
		switch remaining(header(h, l.remaining, l.remainingLower)) {
		case remainingNone:
			exhausted, anyExhausted = max(exhausted, wait), true
		case remainingSome:
			if !l.tokens {
				continue
			}
			fallthrough
		default:
			maybe, anyMaybe = max(maybe, wait), true
		}
	}
	switch {
	case anyExhausted:
		return exhausted, true
	case anyMaybe:
		return maybe, true
	}
	return 0, false
}

// parseReset parses one reset field: an RFC 3339 time when date is set,
// else a non-negative Go duration. The result is never negative.
func parseReset(v string, date bool, now time.Time) (time.Duration, bool) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return 0, false
	}
	if date {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return 0, false
		}
		// Time.Sub saturates, so a time centuries away gives maxDuration.
		return max(t.Sub(now), 0), true
	}
	if v[0] == '-' || v[0] == '+' {
		return 0, false
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}

// What a remaining field says.
const (
	remainingUnknown = iota // absent or malformed
	remainingNone           // 0
	remainingSome           // a positive count
)

// remaining reads a remaining field, a non-negative decimal count.
func remaining(v string) int {
	v = strings.Trim(v, " \t")
	if v == "" {
		return remainingUnknown
	}
	zero := true
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < '0' || c > '9':
			return remainingUnknown
		case c != '0':
			zero = false
		}
	}
	if zero {
		return remainingNone
	}
	return remainingSome
}
