package redressprom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressprom "github.com/redress-go/redress/contrib/prometheus"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var (
	errDown = errors.New("upstream down")
	epoch   = time.Unix(1_700_000_000, 0)
)

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

// TestScripts runs scripted sequences of calls and compares the whole
// exposition of redress_events_total and redress_retry_sleep_seconds with
// what they must produce. TestSharedMetrics checks the other four.
func TestScripts(t *testing.T) {
	tests := []struct {
		name string
		// script makes the calls, with the observer among their options.
		script func(observer redress.Option)
		want   string
	}{
		{
			name: "two retries then success",
			script: func(observer redress.Option) {
				_, _ = redress.Execute(context.Background(),
					failing(classifier.MarkTransient(errDown), classifier.MarkRateLimited(errDown, 0)),
					redress.WithOperation("users.get"),
					redress.WithClock(redresstest.NewAutoClock(epoch)),
					redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 2*time.Second))),
					observer)
			},
			want: `
# HELP redress_events_total Events of redress calls: retries, terminal outcomes and circuit breaker changes.
# TYPE redress_events_total counter
redress_events_total{class="RATE_LIMIT",event="retry",operation="users.get",stop_reason=""} 1
redress_events_total{class="TRANSIENT",event="retry",operation="users.get",stop_reason=""} 1
redress_events_total{class="",event="success",operation="users.get",stop_reason=""} 1
# HELP redress_retry_sleep_seconds Sleeps before the retries of redress calls, in seconds.
# TYPE redress_retry_sleep_seconds histogram
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="0.01"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="0.025"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="0.05"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="0.1"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="0.25"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="0.5"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="1"} 0
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="2.5"} 1
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="5"} 1
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="10"} 1
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="30"} 1
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="60"} 1
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="300"} 1
redress_retry_sleep_seconds_bucket{class="RATE_LIMIT",operation="users.get",le="+Inf"} 1
redress_retry_sleep_seconds_sum{class="RATE_LIMIT",operation="users.get"} 2
redress_retry_sleep_seconds_count{class="RATE_LIMIT",operation="users.get"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="0.01"} 0
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="0.025"} 0
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="0.05"} 0
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="0.1"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="0.25"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="0.5"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="1"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="2.5"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="5"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="10"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="30"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="60"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="300"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",le="+Inf"} 1
redress_retry_sleep_seconds_sum{class="TRANSIENT",operation="users.get"} 0.1
redress_retry_sleep_seconds_count{class="TRANSIENT",operation="users.get"} 1
`,
		},
		{
			name: "a permanent failure of an unnamed operation",
			script: func(observer redress.Option) {
				_ = redress.Do(context.Background(), func(context.Context) error {
					return classifier.MarkPermanent(errDown)
				}, redress.WithClock(redresstest.NewAutoClock(epoch)), observer)
			},
			want: `
# HELP redress_events_total Events of redress calls: retries, terminal outcomes and circuit breaker changes.
# TYPE redress_events_total counter
redress_events_total{class="PERMANENT",event="permanent_fail",operation="",stop_reason="NON_RETRYABLE_CLASS"} 1
`,
		},
		{
			name: "a breaker that opens",
			script: func(observer redress.Option) {
				clk := redresstest.NewAutoClock(epoch)
				p := redress.MustNew(
					redress.WithOperation("db.query"),
					redress.WithClock(clk),
					redress.WithRetry(retry.WithMaxAttempts(1)),
					redress.WithBreaker(breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(2))),
					observer,
				)
				for range 3 {
					_, _ = redress.Execute(context.Background(), failing(classifier.MarkTransient(errDown)), p)
				}
			},
			want: `
# HELP redress_events_total Events of redress calls: retries, terminal outcomes and circuit breaker changes.
# TYPE redress_events_total counter
redress_events_total{class="TRANSIENT",event="circuit_opened",operation="db.query",stop_reason=""} 1
redress_events_total{class="",event="circuit_rejected",operation="db.query",stop_reason="CIRCUIT_OPEN"} 1
redress_events_total{class="TRANSIENT",event="max_attempts_exceeded",operation="db.query",stop_reason="MAX_ATTEMPTS_GLOBAL"} 2
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := redressprom.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.script(redress.WithObserver(m))
			if err := testutil.CollectAndCompare(m, strings.NewReader(tt.want),
				redressprom.EventsName, redressprom.SleepsName); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRegistry checks New's registration: the metrics are gathered from
// the registry with their constant labels, pass the client library's lint,
// and a second Metrics of the same names is refused.
func TestRegistry(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := redressprom.New(reg, redressprom.WithConstLabels(prometheus.Labels{"service": "api"}),
		redressprom.WithSleepBuckets(0.5, 1))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = redress.Execute(context.Background(), failing(classifier.MarkTransient(errDown)),
		redress.WithOperation("users.get"), redress.WithObserver(m),
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(750*time.Millisecond))))

	want := `
# HELP redress_events_total Events of redress calls: retries, terminal outcomes and circuit breaker changes.
# TYPE redress_events_total counter
redress_events_total{class="TRANSIENT",event="retry",operation="users.get",service="api",stop_reason=""} 1
redress_events_total{class="",event="success",operation="users.get",service="api",stop_reason=""} 1
# HELP redress_retry_sleep_seconds Sleeps before the retries of redress calls, in seconds.
# TYPE redress_retry_sleep_seconds histogram
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",service="api",le="0.5"} 0
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",service="api",le="1"} 1
redress_retry_sleep_seconds_bucket{class="TRANSIENT",operation="users.get",service="api",le="+Inf"} 1
redress_retry_sleep_seconds_sum{class="TRANSIENT",operation="users.get",service="api"} 0.75
redress_retry_sleep_seconds_count{class="TRANSIENT",operation="users.get",service="api"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		redressprom.EventsName, redressprom.SleepsName); err != nil {
		t.Error(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(0, len(problems)); diff != "" {
		t.Errorf("lint problems %v (-want +got):\n%s", problems, diff)
	}

	_, err = redressprom.New(reg, redressprom.WithConstLabels(prometheus.Labels{"service": "api"}))
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) {
		t.Errorf("second New: %v; want a prometheus.AlreadyRegisteredError", err)
	}
}

// TestNewInvalid checks the errors New returns for invalid options.
func TestNewInvalid(t *testing.T) {
	tests := []struct {
		name string
		give []redressprom.Option
		want error
	}{
		{name: "no buckets", give: []redressprom.Option{redressprom.WithSleepBuckets()}, want: redressprom.ErrInvalidBuckets},
		{name: "decreasing buckets", give: []redressprom.Option{redressprom.WithSleepBuckets(1, 0.5)}, want: redressprom.ErrInvalidBuckets},
		{name: "repeated bucket", give: []redressprom.Option{redressprom.WithSleepBuckets(1, 1)}, want: redressprom.ErrInvalidBuckets},
		{name: "no duration buckets", give: []redressprom.Option{redressprom.WithDurationBuckets()}, want: redressprom.ErrInvalidBuckets},
		{name: "decreasing duration buckets", give: []redressprom.Option{redressprom.WithDurationBuckets(5, 1)},
			want: redressprom.ErrInvalidBuckets},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := redressprom.New(prometheus.NewRegistry(), tt.give...)
			if diff := cmp.Diff(tt.want, err, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if m != nil {
				t.Errorf("New returned metrics %v with an error", m)
			}
		})
	}
}

// TestInvalidConstLabel checks that a constant label named like one of
// the metrics' own labels is refused by the registry.
func TestInvalidConstLabel(t *testing.T) {
	_, err := redressprom.New(prometheus.NewRegistry(), redressprom.WithConstLabels(prometheus.Labels{"event": "x"}))
	if err == nil {
		t.Fatal("New succeeded; want the registry's error")
	}
	const want = `descriptor Desc{fqName: "redress_events_total", ` +
		`help: "Events of redress calls: retries, terminal outcomes and circuit breaker changes.", unit: "", ` +
		`constLabels: {}, variableLabels: {event,class,operation,stop_reason}} is invalid: ` +
		`duplicate label names in constant and variable labels for metric "redress_events_total"`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

// TestResultUnchanged checks that a call returns the same with the
// observer as without.
func TestResultUnchanged(t *testing.T) {
	m, err := redressprom.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	base := []redress.Option{redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithRetry(retry.WithMaxAttempts(2))}
	with := append([]redress.Option{redress.WithObserver(m)}, base...)
	tests := []struct {
		name string
		give []error // the operation's failures before it succeeds
	}{
		{name: "success after a retry", give: []error{errDown}},
		{name: "failure", give: []error{errDown, errDown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotV, gotErr := redress.Execute(context.Background(), failing(tt.give...), with...)
			wantV, wantErr := redress.Execute(context.Background(), failing(tt.give...), base...)
			if gotV != wantV || errText(gotErr) != errText(wantErr) {
				t.Errorf("with the observer %q, %q; without %q, %q", gotV, errText(gotErr), wantV, errText(wantErr))
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestObserveAllocs checks that counting an event of a series seen before
// allocates nothing, so an observed call stays cheap.
func TestObserveAllocs(t *testing.T) {
	m, err := redressprom.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		give redress.Event
	}{
		{name: "retry", give: redress.Event{Name: redress.EventRetry, Operation: "users.get", Attempt: 1,
			Class: classifier.Transient, Sleep: time.Second}},
		{name: "success", give: redress.Event{Name: redress.EventSuccess, Operation: "users.get", Attempt: 2}},
		{name: "success after retries", give: redress.Event{Name: redress.EventSuccess, Operation: "users.get", Attempt: 3,
			Elapsed: time.Second}},
		{name: "stop", give: redress.Event{Name: redress.EventMaxAttemptsExceeded, Operation: "users.get", Attempt: 6,
			Class: classifier.ServerError, Reason: redress.StopMaxAttempts}},
		{name: "circuit rejected", give: redress.Event{Name: redress.EventCircuitRejected, Operation: "users.get",
			State: breaker.Open, Reason: redress.StopCircuitOpen}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.Observe(context.Background(), tt.give) // makes the series
			got := testing.AllocsPerRun(100, func() { m.Observe(context.Background(), tt.give) })
			if diff := cmp.Diff(0.0, got); diff != "" {
				t.Errorf("allocations per Observe (-want +got):\n%s", diff)
			}
		})
	}
}
