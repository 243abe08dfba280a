package redressopenai_test

// The code of docs/llm.md; internal/docsync's TestGuides finds the guide's
// blocks in this file. The clients find the fake API through
// OPENAI_BASE_URL, as the SDK's default options read it.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressopenai "github.com/redress-go/redress/contrib/openai"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
)

// fakeChat answers chat completions: a 500 first, then a completion.
func fakeChat(t *testing.T) *int {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		if calls == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`)
			return
		}
		fmt.Fprint(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}`)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("OPENAI_BASE_URL", srv.URL)
	t.Setenv("OPENAI_API_KEY", "sk-example")
	return &calls
}

var guideChatParams = openai.ChatCompletionNewParams{
	Model:    openai.ChatModelGPT4o,
	Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
}

// TestLLMGuideExecute sleeps one real backoff (at most 750 ms), as the
// guide's policy has no test clock.
func TestLLMGuideExecute(t *testing.T) {
	calls := fakeChat(t)
	ctx := context.Background()
	params := guideChatParams

	client := openai.NewClient(option.WithMaxRetries(0))
	policy := redress.MustNew(
		redress.WithClassifier(redressopenai.Classifier),
		redress.WithOperation("openai.chat"),
		redress.WithBreaker(breaker.New()),
	)

	resp, err := redress.Execute(ctx, func(ctx context.Context) (*openai.ChatCompletion, error) {
		return client.Chat.Completions.New(ctx, params)
	}, policy)

	if err != nil || resp.Choices[0].Message.Content != "hello" || *calls != 2 {
		t.Errorf("chat: %v after %d requests, want hello on the second", err, *calls)
	}
}

func TestLLMGuideTransport(t *testing.T) {
	calls := fakeChat(t)
	policy := redress.MustNew(redresstest.InstantRetries())

	client := openai.NewClient(option.WithMaxRetries(0), option.WithHTTPClient(
		&http.Client{Transport: &redresshttp.Transport{Policy: policy, RetryNonIdempotent: true}}))

	resp, err := client.Chat.Completions.New(context.Background(), guideChatParams)
	if err != nil || resp.Choices[0].Message.Content != "hello" || *calls != 2 {
		t.Errorf("chat: %v after %d requests, want hello on the second", err, *calls)
	}
}
