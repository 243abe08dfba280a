package main

import (
	"strings"
	"testing"
)

// TestDemo runs the demonstration against its loopback server and checks
// the story it tells.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo sleeps for real, about four seconds")
	}
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"classified SERVER_ERROR: retrying in",
		"classified RATE_LIMIT, server asked for 1s: retrying in 1.",
		`=> ok: "hello from /flaky"`,
		"permanent_fail (class PERMANENT, stop reason NON_RETRYABLE_CLASS)",
		"redress: attempt timed out\n    classified TRANSIENT",
		`=> ok: "hello from /slow"`,
		"MAX_ATTEMPTS_GLOBAL after 4 attempts",
		"breaker: closed -> open",
		"rejected by the open breaker: the server is not called",
		"CIRCUIT_OPEN after 0 attempts",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q; it was:\n%s", want, got)
		}
	}
}
