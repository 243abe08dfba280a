package redressanthropic

import (
	"net/http"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// FuzzClassifierRetryAfter checks that whatever a 429's headers say, the
// wait Classifier reports is in [0, retry.DefaultMaxRetryAfter], and that
// it never panics.
func FuzzClassifierRetryAfter(f *testing.F) {
	f.Add("1500", "", "", "", "", "")
	f.Add("", "7", "", "", "", "")
	f.Add("", "", "2026-11-30T01:00:30Z", "0", "2026-11-30T01:00:02Z", "Mon, 30 Nov 2026 01:00:00 GMT")
	f.Add("", "", "2999-01-01T00:00:00Z", "", "", "")
	f.Add("", "", "0001-01-01T00:00:00Z", "0", "not a time", "bad date")
	f.Add("99999999999999999999", "-3", "2026-11-30T01:00:30+25:00", "x", "", "")
	f.Fuzz(func(t *testing.T, ms, ra, resetReq, remReq, resetTok, date string) {
		h := http.Header{}
		for k, v := range map[string]string{
			"Retry-After-Ms": ms, "Retry-After": ra,
			"Anthropic-Ratelimit-Requests-Reset": resetReq, "Anthropic-Ratelimit-Requests-Remaining": remReq,
			"Anthropic-Ratelimit-Tokens-Reset": resetTok, "Date": date,
		} {
			if v != "" {
				h.Set(k, v)
			}
		}
		err := &anthropic.Error{StatusCode: 429, Response: &http.Response{StatusCode: 429, Header: h}}
		c := classifyAt(err, func() time.Time { return time.Unix(1.8e9, 0) })
		if c.Class != classifier.RateLimit {
			t.Fatalf("class %v", c.Class)
		}
		if c.RetryAfter < 0 || c.RetryAfter > retry.DefaultMaxRetryAfter {
			t.Fatalf("RetryAfter = %v for %q", c.RetryAfter, h)
		}
	})
}
