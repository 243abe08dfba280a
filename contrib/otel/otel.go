package redressotel

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
)

// ScopeName is the instrumentation scope of the tracer and the meter this
// package uses: select it in views and processors.
const ScopeName = "github.com/redress-go/redress/contrib/otel"

// The names of the metrics Telemetry records. They are the Python
// library's, so that mixed fleets share dashboards; redressprom and
// redressdatadog record the same metrics under the same names, spelled
// their way (redress_retries_total in Prometheus).
const (
	// MetricRetries counts retries: one per retry event, with the
	// attributes operation and error.class.
	MetricRetries = "redress.retries"
	// MetricDuration is a histogram of how long whole calls took, in
	// seconds: one record per call, when it ends, with the attribute
	// operation and, for a call that failed, stop_reason and (when an
	// attempt ran) error.class.
	MetricDuration = "redress.retry.duration"
	// MetricSuccessAfterRetries counts calls that succeeded on a later
	// attempt than the first, with the attributes operation and
	// retry.attempt (the attempt that succeeded).
	MetricSuccessAfterRetries = "redress.retry.success_after_retries"
	// MetricCircuitState is a gauge of a circuit breaker's state: 0 closed,
	// 1 half_open, 2 open. Telemetry records it on every circuit event with
	// the attribute operation; CircuitStateListener records it on every
	// change of a breaker's state with the attribute circuit.name.
	MetricCircuitState = "redress.circuit.state"
)

// The attribute keys this package sets on metrics, spans and span events.
const (
	// KeyOperation is the operation's name (redress.WithOperation).
	KeyOperation = attribute.Key("operation")
	// KeyErrorClass is the class of the failure, such as "TRANSIENT".
	KeyErrorClass = attribute.Key("error.class")
	// KeyAttempt is the 1-based number of the attempt an event is about.
	KeyAttempt = attribute.Key("retry.attempt")
	// KeyAttempts is the number of attempts a call made, on its span.
	KeyAttempts = attribute.Key("retry.attempts")
	// KeyHedge is the 1-based number of a hedge within its attempt, on
	// hedge span events.
	KeyHedge = attribute.Key("retry.hedge")
	// KeySleep is the delay before the next attempt, in seconds, on retry
	// span events.
	KeySleep = attribute.Key("retry.sleep")
	// KeyStopReason is why a call stopped without success, such as
	// "MAX_ATTEMPTS_GLOBAL".
	KeyStopReason = attribute.Key("stop_reason")
	// KeyCircuitState is a breaker's state: "closed", "half_open" or
	// "open".
	KeyCircuitState = attribute.Key("circuit.state")
	// KeyCircuitName names the breaker given to CircuitStateListener.
	KeyCircuitName = attribute.Key("circuit.name")
)

// DefaultSpanName names the span of a call that has no operation name.
const DefaultSpanName = "redress.retry"

// durationBuckets are the advised bucket boundaries of MetricDuration, in
// seconds: from a fast call to the default 60 s deadline.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Option configures Telemetry and CircuitStateListener.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider sets where spans go. Default (or nil): the global
// provider, otel.GetTracerProvider(), as it is when Telemetry is called
// (the global one forwards to a provider set later with
// otel.SetTracerProvider). Repeating replaces.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tp = tp })
}

// WithMeterProvider sets where metrics go. Default (or nil): the global
// provider, otel.GetMeterProvider(), which forwards to a provider set
// later with otel.SetMeterProvider. Repeating replaces.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.mp = mp })
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	return c
}

// telemetry is the observer and the call middleware Telemetry installs.
// It holds no per-call state: a call's span lives in the call's context
// (see span.go).
type telemetry struct {
	tracer       trace.Tracer
	retries      metric.Int64Counter
	duration     metric.Float64Histogram
	successAfter metric.Int64Counter
	circuit      metric.Int64Gauge
}

var _ redress.Observer = (*telemetry)(nil)

// Telemetry returns the option that wires OpenTelemetry into a policy:
// give it to redress.New, or to one call of redress.Execute. Every call
// gets a span and the metrics named by the Metric constants, as the
// package documentation describes. Make it once and reuse it: each
// Telemetry asks the providers for its tracer and instruments.
//
// Recording never blocks the call on I/O: the SDK aggregates in memory and
// exports in the background. It never changes a call's result. An error
// creating an instrument goes to otel.Handle and leaves that instrument a
// no-op. Give one Telemetry per call: two would record every metric twice
// (and two spans, one inside the other).
func Telemetry(opts ...Option) redress.Option {
	c := newConfig(opts)
	meter := c.mp.Meter(ScopeName)
	t := &telemetry{tracer: c.tp.Tracer(ScopeName)}
	var err error
	if t.retries, err = meter.Int64Counter(MetricRetries,
		metric.WithDescription("Retries made by redress calls."),
		metric.WithUnit("{retry}")); err != nil {
		otel.Handle(err)
	}
	if t.duration, err = meter.Float64Histogram(MetricDuration,
		metric.WithDescription("Duration of whole redress calls, retries and sleeps included."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		otel.Handle(err)
	}
	if t.successAfter, err = meter.Int64Counter(MetricSuccessAfterRetries,
		metric.WithDescription("Redress calls that succeeded after at least one retry."),
		metric.WithUnit("{call}")); err != nil {
		otel.Handle(err)
	}
	if t.circuit, err = newCircuitGauge(meter); err != nil {
		otel.Handle(err)
	}
	t.orNoop()
	// A *redress.Policy is an Option that applies the options it was built
	// from, and both of these add to what is already configured.
	return redress.MustNew(redress.WithCallMiddleware(t.wrapCall), redress.WithObserver(t))
}

// orNoop replaces the instruments a provider failed to make with no-ops.
func (t *telemetry) orNoop() {
	if t.retries == nil {
		t.retries = noop.Int64Counter{}
	}
	if t.duration == nil {
		t.duration = noop.Float64Histogram{}
	}
	if t.successAfter == nil {
		t.successAfter = noop.Int64Counter{}
	}
	if t.circuit == nil {
		t.circuit = noop.Int64Gauge{}
	}
}

func newCircuitGauge(meter metric.Meter) (metric.Int64Gauge, error) {
	g, err := meter.Int64Gauge(MetricCircuitState,
		metric.WithDescription("Circuit breaker state: 0 closed, 1 half_open, 2 open."),
		metric.WithUnit("{state}"))
	if g == nil {
		g = noop.Int64Gauge{}
	}
	return g, err
}

// Observe records e's metrics and adds it to the call's span.
func (t *telemetry) Observe(ctx context.Context, e redress.Event) {
	t.record(ctx, e)
	t.addEvent(ctx, e)
}

// record records e's metrics.
func (t *telemetry) record(ctx context.Context, e redress.Event) {
	op := KeyOperation.String(e.Operation)
	if e.Name == redress.EventRetry {
		t.retries.Add(ctx, 1, metric.WithAttributes(op, KeyErrorClass.String(e.Class.String())))
		return
	}
	if v, ok := stateValue(e.State); ok && e.Name.Circuit() {
		t.circuit.Record(ctx, v, metric.WithAttributes(op))
	}
	switch {
	case !e.Name.Terminal():
	case e.Name == redress.EventSuccess:
		t.duration.Record(ctx, e.Elapsed.Seconds(), metric.WithAttributes(op))
		if e.Attempt > 1 {
			t.successAfter.Add(ctx, 1, metric.WithAttributes(op, KeyAttempt.Int(e.Attempt)))
		}
	default:
		reason := KeyStopReason.String(string(e.Reason))
		if e.Attempt > 0 {
			t.duration.Record(ctx, e.Elapsed.Seconds(),
				metric.WithAttributes(op, KeyErrorClass.String(e.Class.String()), reason))
		} else { // rejected before any attempt: there is no failure to classify
			t.duration.Record(ctx, e.Elapsed.Seconds(), metric.WithAttributes(op, reason))
		}
	}
}

// CircuitStateListener returns a state-change listener for
// breaker.WithOnStateChange that records MetricCircuitState with the
// attribute circuit.name set to name. Unlike the gauge Telemetry records
// from the events of calls (one series per operation), it follows one
// breaker however many operations share it, and sees ForceOpen and Reset.
// Use one or the other for a breaker, or tell them apart by attribute.
func CircuitStateListener(name string, opts ...Option) func(from, to breaker.State) {
	c := newConfig(opts)
	gauge, err := newCircuitGauge(c.mp.Meter(ScopeName))
	if err != nil {
		otel.Handle(err)
	}
	set := metric.WithAttributeSet(attribute.NewSet(KeyCircuitName.String(name)))
	return func(_, to breaker.State) {
		if v, ok := stateValue(to); ok {
			gauge.Record(context.Background(), v, set)
		}
	}
}

// stateValue is a state's gauge value, as MetricCircuitState documents.
func stateValue(s breaker.State) (int64, bool) {
	switch s {
	case breaker.Closed:
		return 0, true
	case breaker.HalfOpen:
		return 1, true
	case breaker.Open:
		return 2, true
	}
	return 0, false
}
