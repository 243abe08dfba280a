package redressprom_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressprom "github.com/redress-go/redress/contrib/prometheus"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// Metrics registered with a registry, filled by a call that fails twice
// before it succeeds and by one that fails for good, and scraped over HTTP
// as Prometheus would (from a test server on the loopback interface).
func ExampleNew() {
	reg := prometheus.NewRegistry()
	metrics, err := redressprom.New(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(metrics),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 200*time.Millisecond))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))), // no real sleeping in the example
	)
	calls := 0
	_, _ = redress.Execute(context.Background(), func(context.Context) (string, error) {
		if calls++; calls < 3 {
			return "", classifier.MarkTransient(fmt.Errorf("try %d failed", calls))
		}
		return "alice", nil
	}, policy)
	_, _ = redress.Execute(context.Background(), func(context.Context) (string, error) {
		return "", classifier.MarkPermanent(fmt.Errorf("no such user"))
	}, policy)

	resp, err := http.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "redress_retries_total") ||
			strings.HasPrefix(line, "redress_retry_duration_seconds_sum") ||
			strings.HasPrefix(line, "redress_retry_duration_seconds_count") ||
			strings.HasPrefix(line, "redress_retry_success_after_retries_total") ||
			strings.HasPrefix(line, "redress_events_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// redress_events_total{class="",event="success",operation="users.get",stop_reason=""} 1
	// redress_events_total{class="PERMANENT",event="permanent_fail",operation="users.get",stop_reason="NON_RETRYABLE_CLASS"} 1
	// redress_events_total{class="TRANSIENT",event="retry",operation="users.get",stop_reason=""} 2
	// redress_retries_total{error_class="TRANSIENT",operation="users.get"} 2
	// redress_retry_duration_seconds_sum{error_class="",operation="users.get",stop_reason=""} 0.3
	// redress_retry_duration_seconds_count{error_class="",operation="users.get",stop_reason=""} 1
	// redress_retry_duration_seconds_sum{error_class="PERMANENT",operation="users.get",stop_reason="NON_RETRYABLE_CLASS"} 0
	// redress_retry_duration_seconds_count{error_class="PERMANENT",operation="users.get",stop_reason="NON_RETRYABLE_CLASS"} 1
	// redress_retry_success_after_retries_total{operation="users.get",retry_attempt="3"} 1
}

// Metrics observes events; here one is given by hand, as a policy would.
func ExampleMetrics_Observe() {
	metrics, _ := redressprom.New(nil)
	metrics.Observe(context.Background(), redress.Event{
		Name: redress.EventRetry, Operation: "users.get", Attempt: 1,
		Class: classifier.RateLimit, Sleep: 2 * time.Second,
	})
	printMetrics(metrics, "redress_events_total", "redress_retry_sleep_seconds_sum")
	// Output:
	// redress_events_total{class="RATE_LIMIT",event="retry",operation="users.get",stop_reason=""} 1
	// redress_retry_sleep_seconds_sum{class="RATE_LIMIT",operation="users.get"} 2
}

// Two services' metrics in one registry, told apart by a constant label.
func ExampleWithConstLabels() {
	reg := prometheus.NewRegistry()
	for _, service := range []string{"api", "worker"} {
		metrics, err := redressprom.New(reg, redressprom.WithConstLabels(prometheus.Labels{"service": service}))
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = redress.Do(context.Background(), func(context.Context) error { return nil },
			redress.WithOperation("cache.warm"), redress.WithObserver(metrics))
	}
	printGathered(reg, "redress_events_total")
	// Output:
	// redress_events_total{class="",event="success",operation="cache.warm",service="api",stop_reason=""} 1
	// redress_events_total{class="",event="success",operation="cache.warm",service="worker",stop_reason=""} 1
}

// Buckets for sleeps measured in minutes rather than milliseconds.
func ExampleWithSleepBuckets() {
	metrics, _ := redressprom.New(nil, redressprom.WithSleepBuckets(1, 10, 60, 300))
	metrics.Observe(context.Background(), redress.Event{
		Name: redress.EventRetry, Operation: "reports.build", Attempt: 1,
		Class: classifier.ServerError, Sleep: 45 * time.Second,
	})
	printMetrics(metrics, "redress_retry_sleep_seconds_bucket")
	// Output:
	// redress_retry_sleep_seconds_bucket{class="SERVER_ERROR",operation="reports.build",le="1"} 0
	// redress_retry_sleep_seconds_bucket{class="SERVER_ERROR",operation="reports.build",le="10"} 0
	// redress_retry_sleep_seconds_bucket{class="SERVER_ERROR",operation="reports.build",le="60"} 1
	// redress_retry_sleep_seconds_bucket{class="SERVER_ERROR",operation="reports.build",le="300"} 1
	// redress_retry_sleep_seconds_bucket{class="SERVER_ERROR",operation="reports.build",le="+Inf"} 1
}

// Buckets for calls that take seconds rather than milliseconds; the
// breaker's state is a gauge.
func ExampleWithDurationBuckets() {
	metrics, _ := redressprom.New(nil, redressprom.WithDurationBuckets(1, 10, 60))
	metrics.Observe(context.Background(), redress.Event{
		Name: redress.EventMaxAttemptsExceeded, Operation: "reports.build", Attempt: 3,
		Class: classifier.ServerError, Reason: redress.StopMaxAttempts, Elapsed: 12 * time.Second,
	})
	metrics.Observe(context.Background(), redress.Event{
		Name: redress.EventCircuitOpened, Operation: "reports.build", Class: classifier.ServerError, State: breaker.Open,
	})
	printMetrics(metrics, "redress_retry_duration_seconds_bucket", "redress_circuit_state")
	// Output:
	// redress_circuit_state{operation="reports.build"} 2
	// redress_retry_duration_seconds_bucket{error_class="SERVER_ERROR",operation="reports.build",stop_reason="MAX_ATTEMPTS_GLOBAL",le="1"} 0
	// redress_retry_duration_seconds_bucket{error_class="SERVER_ERROR",operation="reports.build",stop_reason="MAX_ATTEMPTS_GLOBAL",le="10"} 0
	// redress_retry_duration_seconds_bucket{error_class="SERVER_ERROR",operation="reports.build",stop_reason="MAX_ATTEMPTS_GLOBAL",le="60"} 1
	// redress_retry_duration_seconds_bucket{error_class="SERVER_ERROR",operation="reports.build",stop_reason="MAX_ATTEMPTS_GLOBAL",le="+Inf"} 1
}

// printMetrics prints the lines of c's text exposition that start with
// one of prefixes.
func printMetrics(c prometheus.Collector, prefixes ...string) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	printGathered(reg, prefixes...)
}

// printGathered prints the lines of g's text exposition that start with
// one of prefixes.
func printGathered(g prometheus.Gatherer, prefixes ...string) {
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(g, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				fmt.Println(line)
				break
			}
		}
	}
}
