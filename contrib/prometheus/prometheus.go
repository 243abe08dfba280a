package redressprom

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/redress-go/redress"
)

// The names of the metrics a Metrics exposes.
const (
	// EventsName counts events, with the labels event, class, operation
	// and stop_reason.
	EventsName = "redress_events_total"
	// SleepsName is a histogram of the sleeps before retries, in seconds,
	// with the labels operation and class.
	SleepsName = "redress_retry_sleep_seconds"
)

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
	events *prometheus.CounterVec
	sleeps *prometheus.HistogramVec
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
	constLabels prometheus.Labels
	buckets     []float64
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

// ErrInvalidBuckets is returned by New for sleep bucket bounds that are
// not increasing, or none.
var ErrInvalidBuckets = errors.New("redressprom: sleep bucket bounds must be increasing")

// New returns the metrics, registered with reg unless reg is nil (then the
// caller registers them). It fails with ErrInvalidBuckets for bounds that
// are not increasing, and with reg's error if reg refuses the metrics: a
// prometheus.AlreadyRegisteredError when it has metrics of these names
// already, or an error naming an invalid constant label.
func New(reg prometheus.Registerer, opts ...Option) (*Metrics, error) {
	c := config{buckets: DefaultSleepBuckets}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if !increasing(c.buckets) {
		return nil, fmt.Errorf("%w, got %v", ErrInvalidBuckets, c.buckets)
	}
	m := &Metrics{
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
	m.events.Describe(ch)
	m.sleeps.Describe(ch)
}

// Collect sends the current values of the metrics to ch.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.events.Collect(ch)
	m.sleeps.Collect(ch)
}

// Observe counts e in redress_events_total, and observes the sleep of a
// retry event in redress_retry_sleep_seconds. The label class is the
// class of the failure (such as "TRANSIENT") on events that have one (see
// redress.Event.Classified), and empty on the others;
// stop_reason is the stop reason (such as "MAX_ATTEMPTS_GLOBAL") on events
// that carry one, and empty on the others.
func (m *Metrics) Observe(_ context.Context, e redress.Event) {
	class := ""
	if e.Classified() {
		class = e.Class.String()
	}
	m.events.WithLabelValues(string(e.Name), class, e.Operation, string(e.Reason)).Inc()
	if e.Name == redress.EventRetry {
		m.sleeps.WithLabelValues(e.Operation, class).Observe(e.Sleep.Seconds())
	}
}
