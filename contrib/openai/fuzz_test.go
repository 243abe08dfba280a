package redressopenai

import (
	"net/http"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// FuzzClassifierRetryAfter checks that whatever a 429's headers say, the
// wait Classifier reports is in [0, retry.DefaultMaxRetryAfter], and that
// it never panics.
func FuzzClassifierRetryAfter(f *testing.F) {
	f.Add("1500", "", "", "", "", "")
	f.Add("", "7", "", "", "", "")
	f.Add("", "Sun, 06 Nov 2994 08:49:37 GMT", "", "", "", "Sun, 06 Nov 1994 08:49:37 GMT")
	f.Add("", "", "20s", "0", "2s", "")
	f.Add("", "", "6m0s", "", "1h", "")
	f.Add("99999999999999999999", "", "-1s", "x", "9999999h", "bad date")
	f.Fuzz(func(t *testing.T, ms, ra, resetReq, remReq, resetTok, date string) {
		h := http.Header{}
		for k, v := range map[string]string{
			"Retry-After-Ms": ms, "Retry-After": ra,
			"X-Ratelimit-Reset-Requests": resetReq, "X-Ratelimit-Remaining-Requests": remReq,
			"X-Ratelimit-Reset-Tokens": resetTok, "Date": date,
		} {
			if v != "" {
				h.Set(k, v)
			}
		}
		err := &openai.Error{StatusCode: 429, Response: &http.Response{StatusCode: 429, Header: h}}
		c := classifyAt(err, func() time.Time { return time.Unix(1e9, 0) })
		if c.Class != classifier.RateLimit {
			t.Fatalf("class %v", c.Class)
		}
		if c.RetryAfter < 0 || c.RetryAfter > retry.DefaultMaxRetryAfter {
			t.Fatalf("RetryAfter = %v for %q", c.RetryAfter, h)
		}
	})
}
