package redressotel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressotel "github.com/redress-go/redress/contrib/otel"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var errDown = errors.New("upstream down")

// failing returns an operation that fails with the given errors, one per
// attempt, and then succeeds with "ok".
func failing(errs ...error) func(context.Context) (string, error) {
	n := 0
	return func(context.Context) (string, error) {
		if n < len(errs) {
			n++
			return "", errs[n-1]
		}
		return "ok", nil
	}
}

// TestScripts runs scripted sequences of calls through Execute and checks
// every metric point and every span they produce.
func TestScripts(t *testing.T) {
	tests := []struct {
		name string
		// script makes the calls, with telemetry among their options, and
		// returns their errors' messages ("" for success).
		script     func(t *testing.T, telemetry redress.Option) []string
		wantErrs   []string
		wantPoints []point
		wantSpans  []span
	}{
		{
			name: "two retries then success",
			script: func(t *testing.T, telemetry redress.Option) []string {
				p := redress.MustNew(
					redress.WithOperation("users.get"),
					redress.WithClock(redresstest.NewAutoClock(epoch)),
					redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 200*time.Millisecond))),
					telemetry,
				)
				v, err := redress.Execute(context.Background(),
					failing(classifier.MarkTransient(errDown), classifier.MarkTransient(errDown)), p)
				if v != "ok" {
					t.Errorf("result %q, want %q", v, "ok")
				}
				return []string{errString(err)}
			},
			wantErrs: []string{""},
			wantPoints: []point{
				{Metric: "redress.retries", Attrs: "error.class=TRANSIENT,operation=users.get", Value: 2},
				{Metric: "redress.retry.duration", Attrs: "operation=users.get", Value: 0.3, Count: 1, Min: 0.3, Max: 0.3},
				{Metric: "redress.retry.success_after_retries", Attrs: "operation=users.get,retry.attempt=3", Value: 1},
			},
			wantSpans: []span{{
				Name:  "users.get",
				Attrs: map[string]any{"operation": "users.get", "retry.attempts": int64(3)},
				Events: []event{
					{Name: "retry", Attrs: map[string]any{"retry.attempt": int64(1), "error.class": "TRANSIENT", "retry.sleep": 0.1}},
					{Name: "retry", Attrs: map[string]any{"retry.attempt": int64(2), "error.class": "TRANSIENT", "retry.sleep": 0.2}},
					{Name: "success", Attrs: map[string]any{"retry.attempt": int64(3)}},
				},
			}},
		},
		{
			name: "a permanent failure of an unnamed operation",
			script: func(t *testing.T, telemetry redress.Option) []string {
				err := redress.Do(context.Background(), func(context.Context) error {
					return classifier.MarkPermanent(errDown)
				}, redress.WithClock(redresstest.NewAutoClock(epoch)), telemetry)
				return []string{errString(err)}
			},
			wantErrs: []string{"redress: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): upstream down"},
			wantPoints: []point{
				{Metric: "redress.retry.duration", Attrs: "error.class=PERMANENT,operation=,stop_reason=NON_RETRYABLE_CLASS", Count: 1},
			},
			wantSpans: []span{{
				Name: "redress.retry",
				Attrs: map[string]any{"retry.attempts": int64(1), "error.class": "PERMANENT",
					"stop_reason": "NON_RETRYABLE_CLASS"},
				Status: codes.Error,
				Desc:   "redress: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): upstream down",
				Events: []event{{Name: "permanent_fail", Attrs: map[string]any{"retry.attempt": int64(1),
					"error.class": "PERMANENT", "stop_reason": "NON_RETRYABLE_CLASS"}}},
			}},
		},
		{
			name: "a fallback saves a call",
			script: func(t *testing.T, telemetry redress.Option) []string {
				v, err := redress.Execute(context.Background(), failing(classifier.MarkPermanent(errDown)),
					redress.WithOperation("users.get"),
					redress.WithClock(redresstest.NewAutoClock(epoch)),
					redress.WithFallback(func(context.Context, error) (string, error) { return "cached", nil }),
					telemetry)
				if v != "cached" {
					t.Errorf("result %q, want %q", v, "cached")
				}
				return []string{errString(err)}
			},
			wantErrs: []string{""},
			wantPoints: []point{
				{Metric: "redress.retry.duration", Attrs: "error.class=PERMANENT,operation=users.get,stop_reason=NON_RETRYABLE_CLASS", Count: 1},
			},
			wantSpans: []span{{
				Name: "users.get",
				Attrs: map[string]any{"operation": "users.get", "retry.attempts": int64(1),
					"error.class": "PERMANENT", "stop_reason": "NON_RETRYABLE_CLASS"},
				Events: []event{
					{Name: "permanent_fail", Attrs: map[string]any{"retry.attempt": int64(1),
						"error.class": "PERMANENT", "stop_reason": "NON_RETRYABLE_CLASS"}},
					{Name: "fallback", Attrs: map[string]any{"retry.attempt": int64(1),
						"error.class": "PERMANENT", "stop_reason": "NON_RETRYABLE_CLASS"}},
				},
			}},
		},
		{
			name: "a breaker that opens",
			script: func(t *testing.T, telemetry redress.Option) []string {
				clk := redresstest.NewAutoClock(epoch)
				p := redress.MustNew(
					redress.WithOperation("db.query"),
					redress.WithClock(clk),
					redress.WithRetry(retry.WithMaxAttempts(1)),
					redress.WithBreaker(breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(2))),
					telemetry,
				)
				var errs []string
				for range 3 {
					_, err := redress.Execute(context.Background(), failing(classifier.MarkTransient(errDown)), p)
					errs = append(errs, errString(err))
				}
				return errs
			},
			wantErrs: []string{
				"redress: db.query: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): upstream down",
				"redress: db.query: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): upstream down",
				"redress: db.query: CIRCUIT_OPEN after 0 attempts: breaker: circuit open, retry in 30s",
			},
			wantPoints: []point{
				{Metric: "redress.circuit.state", Attrs: "operation=db.query", Value: 2},
				{Metric: "redress.retry.duration", Attrs: "error.class=TRANSIENT,operation=db.query,stop_reason=MAX_ATTEMPTS_GLOBAL", Count: 2},
				{Metric: "redress.retry.duration", Attrs: "operation=db.query,stop_reason=CIRCUIT_OPEN", Count: 1},
			},
			wantSpans: []span{
				{
					Name: "db.query",
					Attrs: map[string]any{"operation": "db.query", "retry.attempts": int64(1),
						"error.class": "TRANSIENT", "stop_reason": "MAX_ATTEMPTS_GLOBAL"},
					Status: codes.Error,
					Desc:   "redress: db.query: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): upstream down",
					Events: []event{{Name: "max_attempts_exceeded", Attrs: map[string]any{"retry.attempt": int64(1),
						"error.class": "TRANSIENT", "stop_reason": "MAX_ATTEMPTS_GLOBAL"}}},
				},
				{
					Name: "db.query",
					Attrs: map[string]any{"operation": "db.query", "retry.attempts": int64(1),
						"error.class": "TRANSIENT", "stop_reason": "MAX_ATTEMPTS_GLOBAL"},
					Status: codes.Error,
					Desc:   "redress: db.query: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): upstream down",
					Events: []event{
						{Name: "max_attempts_exceeded", Attrs: map[string]any{"retry.attempt": int64(1),
							"error.class": "TRANSIENT", "stop_reason": "MAX_ATTEMPTS_GLOBAL"}},
						{Name: "circuit_opened", Attrs: map[string]any{"circuit.state": "open"}},
					},
				},
				{
					Name: "db.query",
					Attrs: map[string]any{"operation": "db.query", "retry.attempts": int64(0),
						"stop_reason": "CIRCUIT_OPEN", "circuit.state": "open"},
					Status: codes.Error,
					Desc:   "redress: db.query: CIRCUIT_OPEN after 0 attempts: breaker: circuit open, retry in 30s",
					Events: []event{{Name: "circuit_rejected", Attrs: map[string]any{
						"stop_reason": "CIRCUIT_OPEN", "circuit.state": "open"}}},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSDK(t)
			errs := tt.script(t, redressotel.Telemetry(s.options()...))
			if diff := cmp.Diff(tt.wantErrs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPoints, s.points(t)); diff != "" {
				t.Errorf("metric points (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSpans, s.ended()); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
