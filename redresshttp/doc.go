// Package redresshttp runs net/http requests under a redress policy, and
// sheds load in net/http servers.
//
// Transport is an http.RoundTripper that sends each request through a
// *redress.Policy: responses with a failing status and transport errors
// are classified and retried as the policy says, behind its breaker,
// budget and timeouts. Only requests that are safe to send again are
// retried (idempotent methods, or an Idempotency-Key, which the Transport
// can add itself, with a body that can be replayed), and RoundTrip keeps
// net/http's convention: a response whatever its status, an error only
// when there is no response.
//
//	client := &http.Client{Transport: &redresshttp.Transport{Policy: policy}}
//	resp, err := client.Get("https://api.example.com/users/42")
//
// NewClient builds such a client from redress options. WithOperation
// names the operation of one request through its context.
//
// Code that calls http.Client.Do inside its own redress.Execute turns a
// failing response into an error with CheckResponse; the *StatusError it
// returns is classified by its status by classifier.Default.
//
// Shed is server middleware: it sheds requests with a policy's bulkhead,
// throttle and breaker, answering 503 or 429 with a Retry-After, and
// counts the status each handler writes as its outcome.
//
// The package depends on the standard library and redress only. See
// docs/http.md for a guide.
package redresshttp
