package classifier

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rateLimitCases seed FuzzParseRateLimitReset. Each header is given as
// "name: value" lines, names in any case.
var rateLimitCases = []struct {
	name string
	give string
	want waitResult
}{
	{name: "none", give: "", want: waitResult{}},
	{name: "openai requests exhausted", give: "x-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: 1s\nx-ratelimit-remaining-tokens: 149984\nx-ratelimit-reset-tokens: 6m0s", want: waitResult{time.Second, true}},
	{name: "openai tokens exhausted", give: "x-ratelimit-remaining-requests: 59\nx-ratelimit-reset-requests: 1s\nx-ratelimit-remaining-tokens: 0\nx-ratelimit-reset-tokens: 6m0s", want: waitResult{6 * time.Minute, true}},
	{name: "openai both exhausted: the later", give: "x-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: 20ms\nx-ratelimit-remaining-tokens: 0\nx-ratelimit-reset-tokens: 1m30.5s", want: waitResult{90*time.Second + 500*time.Millisecond, true}},
	{name: "tokens left but maybe too few", give: "x-ratelimit-remaining-requests: 59\nx-ratelimit-reset-requests: 1s\nx-ratelimit-remaining-tokens: 120\nx-ratelimit-reset-tokens: 17s", want: waitResult{17 * time.Second, true}},
	{name: "no remaining fields: the later", give: "x-ratelimit-reset-requests: 1s\nx-ratelimit-reset-tokens: 6m0s", want: waitResult{6 * time.Minute, true}},
	{name: "only requests, with room", give: "x-ratelimit-remaining-requests: 3\nx-ratelimit-reset-requests: 1s", want: waitResult{}},
	{name: "canonical keys", give: "X-Ratelimit-Remaining-Requests: 0\nX-Ratelimit-Reset-Requests: 250ms", want: waitResult{250 * time.Millisecond, true}},
	{name: "anthropic input tokens exhausted", give: "anthropic-ratelimit-requests-remaining: 40\nanthropic-ratelimit-requests-reset: 2026-05-01T12:00:01Z\nanthropic-ratelimit-input-tokens-remaining: 0\nanthropic-ratelimit-input-tokens-reset: 2026-05-01T12:00:45Z\nanthropic-ratelimit-output-tokens-remaining: 0\nanthropic-ratelimit-output-tokens-reset: 2026-05-01T12:00:30.5Z", want: waitResult{45 * time.Second, true}},
	{name: "anthropic tokens with a zone", give: "anthropic-ratelimit-tokens-remaining: 0\nanthropic-ratelimit-tokens-reset: 2026-05-01T14:00:10+02:00", want: waitResult{10 * time.Second, true}},
	{name: "anthropic reset past", give: "anthropic-ratelimit-requests-remaining: 0\nanthropic-ratelimit-requests-reset: 2026-05-01T11:59:00Z", want: waitResult{0, true}},
	{name: "far future saturates", give: "anthropic-ratelimit-requests-remaining: 0\nanthropic-ratelimit-requests-reset: 9999-12-31T23:59:59Z", want: waitResult{maxDuration, true}},
	{name: "exhausted beats maybe", give: "x-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: 2s\nanthropic-ratelimit-tokens-reset: 2026-05-01T12:10:00Z", want: waitResult{2 * time.Second, true}},
	{name: "negative duration ignored", give: "x-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: -1s", want: waitResult{}},
	{name: "signed duration ignored", give: "x-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: +1s", want: waitResult{}},
	{name: "overflowing duration ignored", give: "x-ratelimit-remaining-tokens: 0\nx-ratelimit-reset-tokens: 9999999999h", want: waitResult{}},
	{name: "bare number ignored", give: "x-ratelimit-remaining-tokens: 0\nx-ratelimit-reset-tokens: 17", want: waitResult{}},
	{name: "malformed date ignored", give: "anthropic-ratelimit-requests-remaining: 0\nanthropic-ratelimit-requests-reset: tomorrow", want: waitResult{}},
	{name: "malformed remaining is unknown", give: "x-ratelimit-remaining-requests: -3\nx-ratelimit-reset-requests: 4s", want: waitResult{4 * time.Second, true}},
	{name: "zeros are none", give: "x-ratelimit-remaining-requests: 000\nx-ratelimit-reset-requests: 4s\nx-ratelimit-reset-tokens: 9s", want: waitResult{4 * time.Second, true}},
}

// headerLines parses "name: value" lines into a header, keeping each
// name as written.
func headerLines(s string) map[string][]string {
	h := map[string][]string{}
	for _, line := range strings.Split(s, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if ok {
			h[name] = append(h[name], strings.TrimSpace(value))
		}
	}
	return h
}

func TestParseRateLimitReset(t *testing.T) {
	for _, tt := range rateLimitCases {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := ParseRateLimitReset(headerLines(tt.give), headerNow)
			if diff := cmp.Diff(tt.want, waitResult{d, ok}); diff != "" {
				t.Errorf("ParseRateLimitReset mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRateLimitResetTakesHTTPHeader(t *testing.T) {
	h := http.Header{}
	h.Set("x-ratelimit-remaining-tokens", "0")
	h.Set("x-ratelimit-reset-tokens", "6m0s")
	if d, ok := ParseRateLimitReset(h, headerNow); d != 6*time.Minute || !ok {
		t.Errorf("ParseRateLimitReset(http.Header) = %v, %v; want 6m0s, true", d, ok)
	}
}

func FuzzParseRateLimitReset(f *testing.F) {
	for _, tt := range rateLimitCases {
		f.Add(tt.give, headerNow.Unix())
	}
	f.Fuzz(func(t *testing.T, lines string, nowUnix int64) {
		h := headerLines(lines)
		d, ok := ParseRateLimitReset(h, time.Unix(nowUnix, 0))
		if d < 0 || !ok && d != 0 {
			t.Fatalf("ParseRateLimitReset(%q) = %v, %v", lines, d, ok)
		}
		// The wait is one of the resets given, never more than the
		// longest of them.
		var longest time.Duration
		for i := range rateLimits {
			l := &rateLimits[i]
			if w, good := parseReset(header(h, l.reset, l.resetLower), l.date, time.Unix(nowUnix, 0)); good {
				longest = max(longest, w)
			}
		}
		if d > longest {
			t.Fatalf("ParseRateLimitReset(%q) = %v, beyond the longest reset %v", lines, d, longest)
		}
	})
}

func TestHTTPResponse(t *testing.T) {
	tests := []struct {
		name   string
		method string
		host   string
		status int
		header string
		want   Classification
		wantOK bool
	}{
		{name: "success", method: "GET", host: "api.example.com", status: 200, want: Classification{}},
		{name: "redirect", method: "GET", host: "api.example.com", status: 302, header: "Retry-After: 3", want: Classification{}},
		{name: "429 with retry-after-ms", method: "POST", host: "api.openai.com", status: 429, header: "retry-after-ms: 1500\nRetry-After: 2",
			want: Classification{Class: RateLimit, RetryAfter: 1500 * time.Millisecond, Details: map[string]string{"http.status": "429", "http.method": "POST", "http.host": "api.openai.com"}}, wantOK: true},
		{name: "503 with Retry-After", method: "", host: "10.0.0.7:8080", status: 503, header: "Retry-After: 30",
			want: Classification{Class: ServerError, RetryAfter: 30 * time.Second, Details: map[string]string{"http.status": "503", "http.method": "GET", "http.host": "10.0.0.7:8080"}}, wantOK: true},
		{name: "user information dropped", method: "DELETE", host: "user:hunter2@db.internal", status: 404,
			want: Classification{Class: Permanent, Details: map[string]string{"http.status": "404", "http.method": "DELETE", "http.host": "db.internal"}}, wantOK: true},
		{name: "no host", method: "GET", status: 500,
			want: Classification{Class: ServerError, Details: map[string]string{"http.status": "500", "http.method": "GET"}}, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := HTTPResponse(tt.method, tt.host, tt.status, headerLines(tt.header), headerNow)
			if diff := cmp.Diff(tt.want, got); diff != "" || ok != tt.wantOK {
				t.Errorf("HTTPResponse = _, %v (want %v); mismatch (-want +got):\n%s", ok, tt.wantOK, diff)
			}
		})
	}
}

func TestURLHost(t *testing.T) {
	tests := []struct{ give, want string }{
		{"https://api.example.com/v1/x?key=secret", "api.example.com"},
		{"http://user:***@h:8080/p", "h:8080"},
		{"http://h?key=secret", "h"},
		{"http://h#frag", "h"},
		{"http://[::1]:80/", "[::1]:80"},
		{"//h/p", "h"},
		{"mailto:a@b", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := urlHost(tt.give); got != tt.want {
			t.Errorf("urlHost(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

// FuzzDetailsLeakNothing checks that the Details of a failed request
// never hold its user information, path or query.
func FuzzDetailsLeakNothing(f *testing.F) {
	f.Add("Get", "https", "u:p@h:1", "/p", "key=secret")
	f.Add("Post", "http", "h", "", "")
	f.Fuzz(func(t *testing.T, op, scheme, authority, path, query string) {
		if op == "parse" || strings.Contains(scheme, "/") || strings.ContainsAny(authority, "/?#") || path != "" && path[0] != '/' {
			return
		}
		u := scheme + "://" + authority + path
		if query != "" {
			u += "?" + query
		}
		c := Default.Classify(wrap2(&url.Error{Op: op, URL: u, Err: errPlain}))
		host := authority
		if k := strings.LastIndexByte(host, '@'); k >= 0 {
			host = host[k+1:]
		}
		if got := c.Details["http.host"]; got != host {
			t.Fatalf("http.host of %q = %q, want %q", u, got, host)
		}
	})
}
