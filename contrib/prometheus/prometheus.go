package redressprom

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
)

// The names of the metrics a Metrics exposes. The first four are the
// metrics every redress metrics integration records (redressotel and
// redressdatadog too), under the Python library's OpenTelemetry names
// spelled the Prometheus way: OpenTelemetry's redress.retries, exported
// to Prometheus, is redress_retries_total too, so one dashboard reads
// both.
const (
	// RetriesName counts retries: one per retry, with the labels
	// operation and error_class.
	RetriesName = "redress_retries_total"
	// DurationName is a histogram of how long whole calls took, in
	// seconds, retries and sleeps included: one observation per call, when
	// it ends, with the labels operation, error_class and stop_reason
	// (both empty for a call that succeeded).
	DurationName = "redress_retry_duration_seconds"
	// SuccessAfterRetriesName counts calls that succeeded on a later
	// attempt than the first, with the labels operation and retry_attempt
	// (the attempt that succeeded).
	SuccessAfterRetriesName = "redress_retry_success_after_retries_total"
	// CircuitStateName is a gauge of a circuit breaker's state, with the
	// label operation: 0 closed, 1 half_open, 2 open, set on every circuit
	// event of a call (a change of state the call caused, or a rejection).
	CircuitStateName = "redress_circuit_state"

	// EventsName counts events, with the labels event, class, operation
	// and stop_reason.
	EventsName = "redress_events_total"
	// SleepsName is a histogram of the sleeps before retries, in seconds,
	// with the labels operation and class.
	SleepsName = "redress_retry_sleep_seconds"
)

// DefaultDurationBuckets are the upper bounds, in seconds, of the buckets
// of the call duration histogram: from a fast call to the default 60 s
// deadline. They are the boundaries redressotel advises for
// redress.retry.duration.
var DefaultDurationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// DefaultSleepBuckets are the upper bounds, in seconds, of the buckets of
// the sleep histogram: from a short backoff to a 5-minute Retry-After (the
// most redress honours by default).
var DefaultSleepBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}

// Metrics is both halves of the Prometheus integration: a
// prometheus.Collector that exposes redress's metrics, and a
// redress.Observer that counts the events of calls into them. Register it
// once (New does) and give it to every policy with redress.WithObserver;
// the operation label tells policies apart.
//
// Observe updates counters in memory, never blocking on I/O, and never
// changes a call's result; a scrape reads them. A Metrics is safe for
// concurrent use.
type Metrics struct {
	retries      *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	successAfter *prometheus.CounterVec
	circuit      *prometheus.GaugeVec
	events       *prometheus.CounterVec
	sleeps       *prometheus.HistogramVec
}

var (
	_ prometheus.Collector = (*Metrics)(nil)
	_ redress.Observer     = (*Metrics)(nil)
)

// Option configures New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	constLabels     prometheus.Labels
	buckets         []float64
	durationBuckets []float64
}

// WithConstLabels adds labels with fixed values to every metric: to tell
// apart two Metrics registered with one registry, say. Default none;
// repeating adds, a later value for a label replacing an earlier one.
func WithConstLabels(labels prometheus.Labels) Option {
	return optionFunc(func(c *config) {
		if c.constLabels == nil {
			c.constLabels = prometheus.Labels{}
		}
		for k, v := range labels {
			c.constLabels[k] = v
		}
	})
}

// WithSleepBuckets sets the upper bounds, in seconds, of the buckets of
// the sleep histogram: at least one, increasing. Default DefaultSleepBuckets;
// repeating replaces.
func WithSleepBuckets(bounds ...float64) Option {
	return optionFunc(func(c *config) { c.buckets = append([]float64(nil), bounds...) })
}

// WithDurationBuckets sets the upper bounds, in seconds, of the buckets of
// the call duration histogram: at least one, increasing. Default
// DefaultDurationBuckets; repeating replaces.
func WithDurationBuckets(bounds ...float64) Option {
	return optionFunc(func(c *config) { c.durationBuckets = append([]float64(nil), bounds...) })
}

// ErrInvalidBuckets is returned by New for sleep or duration bucket bounds
// that are not increasing, or none.
var ErrInvalidBuckets = errors.New("redressprom: bucket bounds must be increasing")

// New returns the metrics, registered with reg unless reg is nil (then the
// caller registers them). It fails with ErrInvalidBuckets for bounds that
// are not increasing, and with reg's error if reg refuses the metrics: a
// prometheus.AlreadyRegisteredError when it has metrics of these names
// already, or an error naming an invalid constant label.
func New(reg prometheus.Registerer, opts ...Option) (*Metrics, error) {
	c := config{buckets: DefaultSleepBuckets, durationBuckets: DefaultDurationBuckets}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if !increasing(c.buckets) {
		return nil, fmt.Errorf("%w: sleep buckets %v", ErrInvalidBuckets, c.buckets)
	}
	if !increasing(c.durationBuckets) {
		return nil, fmt.Errorf("%w: duration buckets %v", ErrInvalidBuckets, c.durationBuckets)
	}
	m := &Metrics{
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        RetriesName,
			Help:        "Retries made by redress calls.",
			ConstLabels: c.constLabels,
		}, []string{"operation", "error_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        DurationName,
			Help:        "Duration of whole redress calls, retries and sleeps included, in seconds.",
			ConstLabels: c.constLabels,
			Buckets:     c.durationBuckets,
		}, []string{"operation", "error_class", "stop_reason"}),
		successAfter: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        SuccessAfterRetriesName,
			Help:        "Redress calls that succeeded after at least one retry.",
			ConstLabels: c.constLabels,
		}, []string{"operation", "retry_attempt"}),
		circuit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name:        CircuitStateName,
			Help:        "Circuit breaker state: 0 closed, 1 half_open, 2 open.",
			ConstLabels: c.constLabels,
		}, []string{"operation"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        EventsName,
			Help:        "Events of redress calls: retries, terminal outcomes and circuit breaker changes.",
			ConstLabels: c.constLabels,
		}, []string{"event", "class", "operation", "stop_reason"}),
		sleeps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        SleepsName,
			Help:        "Sleeps before the retries of redress calls, in seconds.",
			ConstLabels: c.constLabels,
			Buckets:     c.buckets,
		}, []string{"operation", "class"}),
	}
	if reg != nil {
		if err := reg.Register(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// increasing reports whether bounds is not empty and strictly increasing.
func increasing(bounds []float64) bool {
	for i := 1; i < len(bounds); i++ {
		if !(bounds[i] > bounds[i-1]) {
			return false
		}
	}
	return len(bounds) > 0
}

// Describe sends the descriptions of the metrics to ch.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect sends the current values of the metrics to ch.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *Metrics) collectors() [6]prometheus.Collector {
	return [...]prometheus.Collector{m.retries, m.duration, m.successAfter, m.circuit, m.events, m.sleeps}
}

// Observe records e in the metrics it concerns, as their names' constants
// describe:
//
//   - a retry adds one to redress_retries_total and observes its sleep in
//     redress_retry_sleep_seconds;
//   - the event that ends a call (success, or the event of its stop
//     reason) observes the call's duration, e.Elapsed, in
//     redress_retry_duration_seconds, and a success on attempt 2 or later
//     adds one to redress_retry_success_after_retries_total;
//   - a circuit event sets redress_circuit_state to the breaker's state;
//   - every event adds one to redress_events_total.
//
// The label error_class (class on the last two metrics) is the class of
// the failure, such as "TRANSIENT", on events that have one (see
// redress.Event.Classified), and empty on the others; stop_reason is the
// stop reason, such as "MAX_ATTEMPTS_GLOBAL", on events that carry one,
// and empty on the others.
func (m *Metrics) Observe(_ context.Context, e redress.Event) {
	class := ""
	if e.Classified() {
		class = e.Class.String()
	}
	m.events.WithLabelValues(string(e.Name), class, e.Operation, string(e.Reason)).Inc()
	if e.Name == redress.EventRetry {
		m.retries.WithLabelValues(e.Operation, class).Inc()
		m.sleeps.WithLabelValues(e.Operation, class).Observe(e.Sleep.Seconds())
		return
	}
	if v, ok := stateValue(e.State); ok && e.Name.Circuit() {
		m.circuit.WithLabelValues(e.Operation).Set(v)
	}
	if !e.Name.Terminal() {
		return
	}
	m.duration.WithLabelValues(e.Operation, class, string(e.Reason)).Observe(e.Elapsed.Seconds())
	if e.Name == redress.EventSuccess && e.Attempt > 1 {
		m.successAfter.WithLabelValues(e.Operation, strconv.Itoa(e.Attempt)).Inc()
	}
}

// stateValue is a breaker state's value in redress_circuit_state: 0
// closed, 1 half_open, 2 open, the encoding of every redress integration.
func stateValue(s breaker.State) (float64, bool) {
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
