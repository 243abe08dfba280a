package redressanthropic_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// reply is one answer of the fake Anthropic API. A zero status is a
// success.
type reply struct {
	status int
	body   string
	header map[string]string
}

// serverDate is the Date of the scripted rate-limit replies, and their
// resets are times after it.
const serverDate = "Mon, 30 Nov 2026 01:00:00 GMT"

// The error bodies have the shape of Anthropic's "Errors" guide:
// {"type": "error", "error": {"type", "message"}, "request_id"}, with the
// error code the SDK reads in error.details.error_code.
var (
	ok          = reply{}
	rateLimited = reply{status: 429,
		body: `{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 50 requests per minute."},"request_id":"req_test"}`,
		header: map[string]string{
			"Date":                                   serverDate,
			"Anthropic-Ratelimit-Requests-Limit":     "50",
			"Anthropic-Ratelimit-Requests-Remaining": "0",
			"Anthropic-Ratelimit-Requests-Reset":     "2026-11-30T01:00:30Z",
			"Anthropic-Ratelimit-Tokens-Limit":       "80000",
			"Anthropic-Ratelimit-Tokens-Remaining":   "79000",
			"Anthropic-Ratelimit-Tokens-Reset":       "2026-11-30T01:00:02Z",
		}}
	spendLimit = reply{status: 429,
		body: `{"type":"error","error":{"type":"rate_limit_error","message":"Your organization has crossed the monthly usage threshold of its API tier.","details":{"error_code":"enforced_spend_limit_reached"}},"request_id":"req_test"}`}
	contractLimit = reply{status: 429,
		body: `{"type":"error","error":{"type":"rate_limit_error","message":"Your organization has reached the spend limit of its contract.","details":{"error_code":"contract_spend_limit_reached"}},"request_id":"req_test"}`}
	overloaded = reply{status: 529,
		body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_test"}`}
	apiError = reply{status: 500,
		body: `{"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_test"}`}
	timeout = reply{status: 504,
		body: `{"type":"error","error":{"type":"timeout_error","message":"Request timed out"},"request_id":"req_test"}`}
	badKey = reply{status: 401,
		body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_test"}`}
	forbidden = reply{status: 403,
		body: `{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."},"request_id":"req_test"}`}
	billing = reply{status: 402,
		body: `{"type":"error","error":{"type":"billing_error","message":"There is an issue with your account's billing."},"request_id":"req_test"}`}
	badRequest = reply{status: 400,
		body: `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"},"request_id":"req_test"}`}
	notFound = reply{status: 404,
		body: `{"type":"error","error":{"type":"not_found_error","message":"model: claude-0"},"request_id":"req_test"}`}
	tooLarge = reply{status: 413,
		body: `{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."},"request_id":"req_test"}`}
)

// api is a loopback server that answers like the Anthropic API: each
// request takes the next reply of its script; past its end, requests
// succeed.
type api struct {
	srv *httptest.Server

	mu     sync.Mutex
	script []reply
	hits   int
}

func newAPI(t *testing.T) *api {
	t.Helper()
	a := &api{}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *api) play(rs ...reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.script, a.hits = append([]reply(nil), rs...), 0
}

func (a *api) requests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

func (a *api) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	rep := ok
	if a.hits < len(a.script) {
		rep = a.script[a.hits]
	}
	a.hits++
	a.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_test")
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.status != 0 {
		w.WriteHeader(rep.status)
		w.Write([]byte(rep.body))
		return
	}
	switch r.URL.Path {
	case "/v1/messages":
		w.Write([]byte(`{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`))
	default:
		w.Write([]byte(`{"type":"model","id":"claude-sonnet-4-5","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}`))
	}
}

// client returns an SDK client of the server, with its own retries off
// and the options given.
func (a *api) client(t *testing.T, opts ...option.RequestOption) anthropic.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return newClient(a.srv.URL, tr, opts...)
}

func newClient(baseURL string, tr *http.Transport, opts ...option.RequestOption) anthropic.Client {
	base := []option.RequestOption{
		option.WithBaseURL(baseURL),
		option.WithAPIKey("sk-ant-test"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr}),
	}
	return anthropic.NewClient(append(base, opts...)...)
}
