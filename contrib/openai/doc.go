// Package redressopenai classifies the errors of the OpenAI Go SDK
// (github.com/openai/openai-go/v3) for redress.
//
// The SDK's *openai.Error holds the response's status in a field, which
// classifier.Default cannot see, so on its own redress classifies every
// OpenAI error UNKNOWN. Classifier reads the status, the error's code
// and type (a 429 that says insufficient_quota will not pass by
// waiting), and the headers that say when to come back: retry-after-ms,
// retry-after and x-ratelimit-reset-requests / -tokens.
//
// There are two ways to put SDK calls under a redress policy. Either run
// each call under redress.Execute with Classifier, and turn the SDK's
// own retries off, so that only redress retries:
//
//	client := openai.NewClient(option.WithMaxRetries(0))
//	resp, err := redress.Execute(ctx, func(ctx context.Context) (*openai.ChatCompletion, error) {
//		return client.Chat.Completions.New(ctx, params)
//	}, redress.WithClassifier(redressopenai.Classifier), policy)
//
// or send the SDK's HTTP through redresshttp.Transport, again with the
// SDK's retries off:
//
//	client := openai.NewClient(option.WithMaxRetries(0), option.WithHTTPClient(
//		&http.Client{Transport: &redresshttp.Transport{Policy: policy, RetryNonIdempotent: true}}))
//
// The Transport sees HTTP only: it retries by status and Retry-After-Ms
// or Retry-After, and does not read the error body or the rate-limit
// reset headers, so it retries a 429 insufficient_quota like any 429.
// Execute with Classifier gives the provider's meaning. RetryNonIdempotent
// lets the Transport retry the SDK's POSTs, as the SDK itself does.
package redressopenai
