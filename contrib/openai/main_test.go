package redressopenai_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// reply is one answer of the fake OpenAI API. A zero status is a success.
type reply struct {
	status int
	body   string
	header map[string]string
}

// The error bodies have the shape of OpenAI's "Error codes" guide:
// {"error": {"message", "type", "param", "code"}}.
var (
	ok          = reply{}
	rateLimited = reply{status: 429,
		body: `{"error":{"message":"Rate limit reached for gpt-4o in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
		header: map[string]string{
			"X-Ratelimit-Limit-Requests":     "3",
			"X-Ratelimit-Remaining-Requests": "0",
			"X-Ratelimit-Reset-Requests":     "20s",
			"X-Ratelimit-Limit-Tokens":       "30000",
			"X-Ratelimit-Remaining-Tokens":   "29000",
			"X-Ratelimit-Reset-Tokens":       "2s",
		}}
	noQuota = reply{status: 429,
		body: `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`}
	serverError = reply{status: 500,
		body: `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`}
	overloaded = reply{status: 503,
		body: `{"error":{"message":"The engine is currently overloaded, please try again later.","type":"server_error","param":null,"code":null}}`}
	badKey = reply{status: 401,
		body: `{"error":{"message":"Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`}
	region = reply{status: 403,
		body: `{"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","param":null,"code":"unsupported_country_region_territory"}}`}
	badRequest = reply{status: 400,
		body: `{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`}
	notFound = reply{status: 404,
		body: `{"error":{"message":"The model 'gpt-0' does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}}`}
)

// api is a loopback server that answers like the OpenAI API: each request
// takes the next reply of its script; past its end, requests succeed.
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
	w.Header().Set("X-Request-Id", "req_test")
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if rep.status != 0 {
		w.WriteHeader(rep.status)
		w.Write([]byte(rep.body))
		return
	}
	switch r.URL.Path {
	case "/chat/completions":
		w.Write([]byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}`))
	default:
		w.Write([]byte(`{"id":"gpt-4o","object":"model","created":1700000000,"owned_by":"openai"}`))
	}
}

// client returns an SDK client of the server, with its own retries off
// and the options given.
func (a *api) client(t *testing.T, opts ...option.RequestOption) openai.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	base := []option.RequestOption{
		option.WithBaseURL(a.srv.URL),
		option.WithAPIKey("sk-test"),
		option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Transport: tr}),
	}
	return openai.NewClient(append(base, opts...)...)
}

// errorOf returns the error of a Models.Get to baseURL.
func errorOf(t *testing.T, baseURL string, tr *http.Transport) error {
	t.Helper()
	c := openai.NewClient(option.WithBaseURL(baseURL), option.WithAPIKey("sk-test"),
		option.WithMaxRetries(0), option.WithHTTPClient(&http.Client{Transport: tr}))
	_, err := c.Models.Get(t.Context(), "gpt-4o")
	if err == nil {
		t.Fatal("Models.Get succeeded")
	}
	return err
}
