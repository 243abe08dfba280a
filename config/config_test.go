package config_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{`{"policies": {"a": {"max_attempts": 0}}}`,
			`f.json:1:37: policies["a"].max_attempts: retry.WithMaxAttempts: must be at least 1, got 0`},
		{"{\n \"policies\": {\n  \"a\": {\"max_atempts\": 3}}}",
			`f.json:3:9: policies["a"].max_atempts: unknown field "max_atempts" (fields: max_attempts, max_unknown_attempts, max_attempts_for, backoff, backoff_for, no_default_backoff, max_retry_after, deadline, attempt_timeout, breaker, budget, bulkhead, throttle, calls)`},
		{`{"policies": {"a": {"deadline": "5 s"}}}`,
			`f.json:1:33: policies["a"].deadline: want a duration such as "250ms" or "1m30s", got "5 s"`},
		{`{"policies": {"a": {"deadline": "0s"}}}`,
			`f.json:1:33: policies["a"].deadline: redress: invalid configuration: WithDeadline: must be positive, got 0s`},
		{`{"policies": {"a": {"max_attempts_for": {"RATE_LIMT": 2}}}}`,
			`f.json:1:42: policies["a"].max_attempts_for["RATE_LIMT"]: unknown class "RATE_LIMT" (classes: UNKNOWN, AUTH, PERMISSION, PERMANENT, CONCURRENCY, RATE_LIMIT, SERVER_ERROR, TRANSIENT)`},
		{`{"policies": {"a": {"backoff": {"full_jitter": {"base": "1s", "max": "2s", "x": 1}}}}}`,
			`f.json:1:76: policies["a"].backoff.full_jitter.x: unknown field "x" (fields: base, max, seed)`},
		{`{"policies": {"a": {"backoff": {"full_jitter": {"base": "2s", "max": "1s"}}}}}`,
			`f.json:1:70: policies["a"].backoff.full_jitter.max: must not be below base 2s, got 1s`},
		{`{"policies": {"a": {"backoff": {}}}}`,
			`f.json:1:32: policies["a"].backoff: want exactly one strategy of constant, exponential, full_jitter, equal_jitter, decorrelated_jitter, token, retry_after_or; got 0`},
		{`{"policies": {"a": {"breaker": "b"}}}`,
			`f.json:1:32: policies["a"].breaker: no breaker named "b": the file defines no breakers`},
		{`{"breakers": {"b": {"failure_threshold": -1}}}`,
			`f.json:1:42: breakers["b"].failure_threshold: breaker: invalid configuration: WithFailureThreshold(-1): n must be at least 1`},
		{`{"breakers": {"b": {"consecutive_failures": 3, "failure_rate": {"ratio": 0.5, "min_calls": 10}}}}`,
			`f.json:1:64: breakers["b"].failure_rate: give consecutive_failures or failure_rate, not both: each is a mode of its own`},
		{`{"budgets": {"b": {"ratio": {"ratio": 2000}}}}`,
			`f.json:1:39: budgets["b"].ratio.ratio: budget.NewRatio: ratio is 2000, want 0 to 1000: budget: invalid configuration`},
		{`{"budgets": {"b": {"window": {"max_retries": 10, "window": "0s"}}}}`,
			`f.json:1:60: budgets["b"].window.window: budget.New: window is 0s, want > 0: budget: invalid configuration`},
		{`{"bulkheads": {"b": {"max_concurrent": 0}}}`,
			`f.json:1:40: bulkheads["b"].max_concurrent: bulkhead: invalid configuration: New(0): the number of slots must be from 1 to 2147483647`},
		{`{"policies": {"a": {"max_attempts": "3"}}}`,
			`f.json:1:37: policies["a"].max_attempts: want a whole number, got "3"`},
		{`{"policies": {"a": {"max_attempts": 3}}`,
			`f.json:1:40: invalid JSON: unexpected end of the file`},
		{`{"policies": {}} x`, `f.json:1:18: data after the configuration's closing brace`},
		{``, `f.json:1:1: invalid JSON: unexpected end of the file`},
		{`[]`, `f.json:1:1: want an object, got an array`},
		{`{"policies": {"a*": {}}}`,
			`f.json:1:15: policies["a*"]: bad pattern "a*": a '*' may only end a name, after a dot ("users.*"), or stand alone ("*")`},
		{`{"policies": {"a": {}}, "default": "b"}`, `f.json:1:36: default: no policy named "b" (policies: a)`},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			_, err := config.Parse("f.json", []byte(tt.give))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse: %v, want a *config.Error", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseWrapsConstructorErrors(t *testing.T) {
	_, err := config.Parse("f.json", []byte(`{"breakers": {"b": {"half_open_probes": 0}}}`))
	if !errors.Is(err, breaker.ErrInvalidConfig) {
		t.Errorf("Parse: %v, want an error matching breaker.ErrInvalidConfig", err)
	}
	_, err = config.Parse("f.json", []byte(`{"budgets": {"b": {"token_bucket": {"max_tokens": 0, "token_ratio": 1}}}}`))
	if !errors.Is(err, budget.ErrInvalidConfig) {
		t.Errorf("Parse: %v, want an error matching budget.ErrInvalidConfig", err)
	}
}

const usersJSON = `{
  "breakers": {"users-db": {"failure_threshold": 3, "recovery_timeout": "30s", "trip_on": ["SERVER_ERROR", "TRANSIENT"]}},
  "budgets":  {"users": {"window": {"max_retries": 100, "window": "1m"}}},
  "policies": {
    "users.get": {
      "max_attempts": 5,
      "max_unknown_attempts": 1,
      "max_attempts_for": {"CONCURRENCY": 2},
      "backoff": {"decorrelated_jitter": {"base": "250ms", "max": "5s", "seed": 7}},
      "backoff_for": {"RATE_LIMIT": {"retry_after_or": {"fallback": {"full_jitter": {"base": "1s", "max": "1m", "seed": 9}}, "seed": 3}}},
      "max_retry_after": "30s",
      "deadline": "20s",
      "attempt_timeout": "2s",
      "breaker": "users-db",
      "budget": "users"
    },
    "users.*": {"max_attempts": 2, "breaker": "users-db", "budget": "users"},
    "*": {"max_attempts": 1}
  }
}`

// sameAsOptions is users.get of usersJSON, written as Go options.
func sameAsOptions(clk redress.Clock, br *breaker.Breaker, bud budget.Budget) []redress.Option {
	return []redress.Option{
		redress.WithClock(clk),
		redress.WithOperation("users.get"),
		redress.WithRetry(
			retry.WithMaxAttempts(5),
			retry.WithMaxUnknownAttempts(1),
			retry.WithMaxAttemptsFor(classifier.Concurrency, 2),
			retry.WithBackoff(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second, backoff.WithSeed(7))),
			retry.WithBackoffFor(classifier.RateLimit, backoff.RetryAfterOr(backoff.FullJitter(time.Second, time.Minute, backoff.WithSeed(9)), backoff.WithSeed(3))),
			retry.WithMaxRetryAfter(30*time.Second),
		),
		redress.WithDeadline(20 * time.Second),
		redress.WithAttemptTimeout(2 * time.Second),
		redress.WithBreaker(br),
		redress.WithBudget(bud),
	}
}

// outcome is what a script of calls did, as a test compares it.
type outcome struct {
	Sleeps   []time.Duration
	Reasons  []redress.StopReason
	Attempts []int
	Breaker  string
	Budget   int
}

// runScript calls getter's policy once per script entry; each entry is the
// errors the operation returns in turn before it succeeds.
func runScript(t *testing.T, policy func(clk *redresstest.Clock) (*redress.Policy, *breaker.Breaker, *budget.Window)) outcome {
	t.Helper()
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	p, br, bud := policy(clk)
	boom := errors.New("boom")
	script := [][]error{
		{classifier.MarkTransient(boom), classifier.MarkTransient(boom)},
		{classifier.Mark(boom, classifier.Concurrency), classifier.Mark(boom, classifier.Concurrency), classifier.Mark(boom, classifier.Concurrency)},
		{classifier.MarkRateLimited(boom, 2*time.Second), classifier.MarkRateLimited(boom, time.Hour)},
		{boom, boom},
		{classifier.MarkPermanent(boom)},
		{classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError)},
	}
	five := []error{classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError),
		classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError), classifier.Mark(boom, classifier.ServerError)}
	script = append(script, five, five, nil) // the breaker opens after the third failed call and rejects the next
	var o outcome
	for _, errs := range script {
		s := redresstest.FailThen("ok", errs...)
		var rep redress.Call
		_, _ = redress.Execute(context.Background(), s.Call, p, redress.WithReport(&rep))
		o.Reasons = append(o.Reasons, rep.StopReason)
		o.Attempts = append(o.Attempts, rep.Attempts)
	}
	o.Sleeps = clk.Sleeps()
	o.Breaker = br.State().String()
	o.Budget = bud.Remaining()
	return o
}

// TestRoundTrip checks that a policy read from a file behaves exactly as
// the same policy built from options: the same sleeps, stop reasons and
// attempts over a script of failures, on the fake clock.
func TestRoundTrip(t *testing.T) {
	fromFile := runScript(t, func(clk *redresstest.Clock) (*redress.Policy, *breaker.Breaker, *budget.Window) {
		f, err := config.Parse("users.json", []byte(usersJSON))
		if err != nil {
			t.Fatal(err)
		}
		reg, err := config.NewRegistry(f, config.WithClock(clk))
		if err != nil {
			t.Fatal(err)
		}
		return reg.Policy("users.get"), reg.Breaker("users-db"), reg.Budget("users").(*budget.Window)
	})
	fromCode := runScript(t, func(clk *redresstest.Clock) (*redress.Policy, *breaker.Breaker, *budget.Window) {
		br := breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(3), breaker.WithRecoveryTimeout(30*time.Second),
			breaker.WithTripOn(classifier.ServerError, classifier.Transient))
		bud := budget.New(100, time.Minute, budget.WithClock(clk))
		return redress.MustNew(sameAsOptions(clk, br, bud)...), br, bud
	})
	if diff := cmp.Diff(fromCode, fromFile); diff != "" {
		t.Errorf("file policy differs from options policy (-options +file):\n%s", diff)
	}
	if len(fromFile.Sleeps) < 5 || fromFile.Breaker != "open" {
		t.Errorf("script exercised too little: %+v", fromFile)
	}
}

func TestYAMLConvertedShape(t *testing.T) {
	// What `yq -o=json` makes of a YAML file: the same JSON, so the
	// format needs nothing of its own for YAML. Numbers stay numbers and
	// durations stay strings.
	const converted = `{"policies":{"a":{"max_attempts":3,"deadline":"10s"}}}`
	f, err := config.Parse("a.yaml", []byte(converted))
	if err != nil {
		t.Fatal(err)
	}
	if got := *f.Policies["a"].MaxAttempts; got != 3 {
		t.Errorf("max_attempts = %d, want 3", got)
	}
}

func TestPosition(t *testing.T) {
	f, err := config.Parse("users.json", []byte(usersJSON))
	if err != nil {
		t.Fatal(err)
	}
	line, col := f.Position(`policies["users.get"].deadline`)
	if diff := cmp.Diff([2]int{12, 19}, [2]int{line, col}); diff != "" {
		t.Errorf("Position (-want +got):\n%s", diff)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(usersJSON))
	for _, s := range []string{`{}`, `{"policies": {"a": {"max_attempts": 0}}}`, `{"budgets": {"b": {"ratio": {"ratio": 2000}}}}`, `[`, `{"policies": {"a*": {}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := config.Parse("fuzz.json", data)
		if err == nil {
			if file == nil {
				t.Fatal("nil file and nil error")
			}
			if _, err := config.NewRegistry(file); err != nil {
				t.Fatalf("Parse accepted what NewRegistry refuses: %v", err)
			}
			return
		}
		var ce *config.Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *config.Error", err)
		}
		if ce.Line < 1 || ce.Column < 1 || !strings.HasPrefix(err.Error(), "fuzz.json:") {
			t.Fatalf("error without a position: %v", err)
		}
	})
}
