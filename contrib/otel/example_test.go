package redressotel_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressotel "github.com/redress-go/redress/contrib/otel"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// A policy that records metrics with the meter provider of an SDK, here
// one read by hand; in production it has a periodic exporting reader.
// The operation fails twice before it succeeds.
func ExampleTelemetry() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 200*time.Millisecond))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))), // no real sleeping in the example
		redressotel.Telemetry(redressotel.WithMeterProvider(mp)),
	)
	calls := 0
	_, _ = redress.Execute(context.Background(), func(context.Context) (string, error) {
		if calls++; calls < 3 {
			return "", classifier.MarkTransient(fmt.Errorf("try %d failed", calls))
		}
		return "alice", nil
	}, policy)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	printMetrics(rm)
	// Output:
	// redress.retries{error.class=TRANSIENT,operation=users.get} 2
	// redress.retry.duration{operation=users.get} count 1 sum 0.3
	// redress.retry.success_after_retries{operation=users.get,retry.attempt=3} 1
}

// Every call gets a span, with an event for each attempt.
// Spans go to an in-memory recorder here; in production, to a batching
// exporter.
func ExampleTelemetry_spans() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redressotel.Telemetry(redressotel.WithTracerProvider(tp)),
	)
	calls := 0
	user, err := redress.Execute(context.Background(), func(context.Context) (string, error) {
		if calls++; calls < 2 {
			return "", classifier.MarkTransient(fmt.Errorf("connection reset"))
		}
		return "alice", nil
	}, policy)
	fmt.Println(user, err)
	printSpans(spans.Ended())
	// Output:
	// alice <nil>
	// span users.get {operation=users.get retry.attempts=2} Unset
	//   event retry {error.class=TRANSIENT retry.attempt=1 retry.sleep=0.1}
	//   event success {retry.attempt=2}
}

// A call that fails for good: its span has the status Error and
// says why the call stopped.
func ExampleTelemetry_failure() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	err := redress.Do(context.Background(), func(context.Context) error {
		return classifier.MarkPermanent(fmt.Errorf("no such user"))
	}, redressotel.Telemetry(redressotel.WithTracerProvider(tp)))
	fmt.Println(err)
	printSpans(spans.Ended())
	// Output:
	// redress: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): no such user
	// span redress.retry {error.class=PERMANENT retry.attempts=1 stop_reason=NON_RETRYABLE_CLASS} Error
	//   event permanent_fail {error.class=PERMANENT retry.attempt=1 stop_reason=NON_RETRYABLE_CLASS}
}

// A breaker's state, recorded by a listener registered on the breaker.
func ExampleCircuitStateListener() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	br := breaker.New(breaker.WithOnStateChange(
		redressotel.CircuitStateListener("users-api", redressotel.WithMeterProvider(mp))))
	br.ForceOpen()

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	printMetrics(rm)
	// Output:
	// redress.circuit.state{circuit.name=users-api} 2
}

// WithTracerProvider sends spans to a provider other than the global one.
func ExampleWithTracerProvider() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))

	_ = redress.Do(context.Background(), func(context.Context) error { return nil },
		redress.WithOperation("cache.warm"), redressotel.Telemetry(redressotel.WithTracerProvider(tp)))
	printSpans(spans.Ended())
	// Output:
	// span cache.warm {operation=cache.warm retry.attempts=1} Unset
	//   event success {retry.attempt=1}
}

// WithMeterProvider sends metrics to a provider other than the global one.
func ExampleWithMeterProvider() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	_ = redress.Do(context.Background(), func(context.Context) error { return nil },
		redress.WithOperation("cache.warm"), redressotel.Telemetry(redressotel.WithMeterProvider(mp)),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0)))) // a call that takes no time

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	printMetrics(rm)
	// Output:
	// redress.retry.duration{operation=cache.warm} count 1 sum 0
}

// printMetrics prints every data point, sorted.
func printMetrics(rm metricdata.ResourceMetrics) {
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, encode(dp.Attributes), dp.Value))
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, encode(dp.Attributes), dp.Value))
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s{%s} count %d sum %g", m.Name, encode(dp.Attributes), dp.Count, dp.Sum))
				}
			}
		}
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
}

// printSpans prints each span with its attributes, status and events.
func printSpans(spans []sdktrace.ReadOnlySpan) {
	for _, s := range spans {
		fmt.Printf("span %s %s %s\n", s.Name(), attrs(s.Attributes()), s.Status().Code)
		for _, e := range s.Events() {
			fmt.Printf("  event %s %s\n", e.Name, attrs(e.Attributes))
		}
	}
}

func attrs(kvs []attribute.KeyValue) string {
	var parts []string
	for _, kv := range kvs {
		parts = append(parts, fmt.Sprintf("%s=%v", kv.Key, kv.Value.Emit()))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, " ") + "}"
}
