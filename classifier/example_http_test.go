package classifier_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/redress-go/redress/classifier"
)

func ExampleHTTPResponse() {
	// A 429 from an LLM API, with its millisecond Retry-After.
	h := http.Header{}
	h.Set("Retry-After", "2")
	h.Set("retry-after-ms", "1500")
	c, failed := classifier.HTTPResponse(http.MethodPost, "api.openai.com", 429, h, time.Now())
	fmt.Println(failed, c.Class, c.RetryAfter)
	fmt.Println(c.Details)

	_, failed = classifier.HTTPResponse(http.MethodGet, "api.openai.com", 200, nil, time.Now())
	fmt.Println(failed)
	// Output:
	// true RATE_LIMIT 1.5s
	// map[http.host:api.openai.com http.method:POST http.status:429]
	// false
}

func ExampleRetryAfterHeader() {
	now := time.Date(2026, time.May, 1, 12, 0, 0, 0, time.UTC)
	h := http.Header{}
	// The date is read against the server's own Date, not the local clock.
	h.Set("Date", "Fri, 01 May 2026 11:59:50 GMT")
	h.Set("Retry-After", "Fri, 01 May 2026 12:00:30 GMT")
	fmt.Println(classifier.RetryAfterHeader(h, now))
	h.Set("Retry-After-Ms", "250")
	fmt.Println(classifier.RetryAfterHeader(h, now))
	// Output:
	// 40s true
	// 250ms true
}

func ExampleParseRateLimitReset() {
	// OpenAI: the token limit ran out; the request limit still has room.
	h := http.Header{}
	h.Set("x-ratelimit-remaining-requests", "59")
	h.Set("x-ratelimit-reset-requests", "1s")
	h.Set("x-ratelimit-remaining-tokens", "0")
	h.Set("x-ratelimit-reset-tokens", "6m0s")
	now := time.Date(2026, time.May, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println(classifier.ParseRateLimitReset(h, now))

	// Anthropic: resets are RFC 3339 times.
	h = http.Header{}
	h.Set("anthropic-ratelimit-requests-remaining", "0")
	h.Set("anthropic-ratelimit-requests-reset", "2026-05-01T12:00:20Z")
	fmt.Println(classifier.ParseRateLimitReset(h, now))
	// Output:
	// 6m0s true
	// 20s true
}

// A request net/http refuses to send is PERMANENT: nothing different
// would be sent again. Details name the method and host, never the path
// or query.
func ExampleDefault_refusedRequest() {
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.com/v1/items?key=secret", nil)
	req.Header["Bad Name"] = []string{"x"} // a space is not allowed in a field name
	_, err := http.DefaultClient.Do(req)
	c := classifier.Default.Classify(err)
	fmt.Println(c.Class, c.Details)

	var ue *url.Error
	fmt.Println(errors.As(err, &ue))
	// Output:
	// PERMANENT map[http.host:api.example.com http.method:GET]
	// true
}
