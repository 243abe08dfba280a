// Package redressanthropic classifies the errors of the Anthropic Go SDK
// (github.com/anthropics/anthropic-sdk-go/v2, the SDK's maintained major
// version) for redress.
//
// The SDK's *anthropic.Error holds the response's status in a field,
// which classifier.Default cannot see, so on its own redress classifies
// every Anthropic error UNKNOWN. Classifier reads the status, the error's
// type and code (a 429 for a spend limit will not pass by waiting; a 529
// says the API is overloaded), and the headers that say when to come
// back: retry-after-ms, retry-after and anthropic-ratelimit-*-reset.
//
// There are two ways to put SDK calls under a redress policy. Either run
// each call under redress.Execute with Classifier, and turn the SDK's own
// retries off, so that only redress retries:
//
//	client := anthropic.NewClient(option.WithMaxRetries(0))
//	msg, err := redress.Execute(ctx, func(ctx context.Context) (*anthropic.Message, error) {
//		return client.Messages.New(ctx, params)
//	}, redress.WithClassifier(redressanthropic.Classifier), policy)
//
// or send the SDK's HTTP through redresshttp.Transport, again with the
// SDK's retries off:
//
//	client := anthropic.NewClient(option.WithMaxRetries(0), option.WithHTTPClient(
//		&http.Client{Transport: &redresshttp.Transport{Policy: policy, RetryNonIdempotent: true}}))
//
// The Transport sees HTTP only: it retries by status and Retry-After-Ms
// or Retry-After, and does not read the error body or the rate-limit
// reset headers, so it retries a 429 for a spend limit like any 429.
// Execute with Classifier gives the provider's meaning. RetryNonIdempotent
// lets the Transport retry the SDK's POSTs, as the SDK itself does.
package redressanthropic
