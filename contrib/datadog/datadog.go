// Package redressdatadog reports redress calls as DogStatsD metrics,
// through a client of github.com/DataDog/datadog-go/v5/statsd. Its
// directory is datadog; the package name is redressdatadog, like the other
// integrations, so it never clashes with Datadog's own packages:
//
//	import redressdatadog "github.com/redress-go/redress/contrib/datadog"
//
//	client, err := statsd.New("127.0.0.1:8125")
//	…
//	policy := redress.MustNew(
//		redress.WithOperation("users.get"),
//		redress.WithObserver(redressdatadog.New(client)),
//	)
//
// # Metrics
//
// The four metrics every redress metrics integration records (redressotel
// and redressprom too), under the Python library's OpenTelemetry names,
// so one dashboard reads them all; {prefix} is "redress" unless WithPrefix
// says otherwise:
//
//   - {prefix}.retries, a count: 1 per retry; tags error.class, operation.
//   - {prefix}.retry.duration, a distribution (a histogram with
//     WithHistogram(true)) in seconds: how long each call took, retries
//     and sleeps included, sent once when it ends; tags operation, and for
//     a call that stopped without success stop_reason and (when an attempt
//     ran) error.class.
//   - {prefix}.retry.success_after_retries, a count: 1 per call that
//     succeeded after one retry or more; tags operation, retry.attempt
//     (the attempt that succeeded).
//   - {prefix}.circuit.state, a gauge: 0 closed, 1 half_open, 2 open, sent
//     on every circuit event of a call (a change of state the call caused,
//     or a call the breaker rejected); tag operation.
//
// Two more, with the names and tag keys of the Python library's Datadog
// module:
//
//   - {prefix}.events, a count: 1 per event; tags, in this order, event
//     (the event name: retry, success, permanent_fail, …), class (the
//     failure's class, on the events redress.Event.Classified selects),
//     operation, stop_reason (on events with a stop reason) and
//     circuit_state (the breaker's state, on circuit events).
//   - {prefix}.retry.sleep_seconds, a distribution (or histogram) of the
//     sleep before each retry, in seconds; tags class, operation.
//
// The operation tag is left out when the call has no operation name. The
// tags of WithTags come after the metric's own. Every tag value comes from
// a small fixed set except operation, which must therefore be a
// low-cardinality name: "users.get", never "users.get/42". error.class
// and class values are classifier.Class strings such as "TRANSIENT";
// stop_reason values are redress.StopReason strings such as
// "MAX_ATTEMPTS_GLOBAL" (Datadog lowercases tag values).
//
// The observer only hands values to the client, which buffers them and
// sends them from its own goroutine: the call never waits on the network.
// Errors the client returns (a closed client, a full queue) are dropped,
// as a metric must never change a call's result; statsd.WithErrorHandler
// reports the client's own failures to send.
package redressdatadog

import (
	"context"
	"strconv"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
)

// DefaultPrefix is the prefix of the metric names when WithPrefix is not
// given.
const DefaultPrefix = "redress"

// Client is the part of a DogStatsD client that the observer uses. A
// *statsd.Client, and any statsd.ClientInterface, is a Client. Its methods
// must be safe for concurrent use and should not block on I/O.
type Client interface {
	Count(name string, value int64, tags []string, rate float64) error
	Distribution(name string, value float64, tags []string, rate float64) error
	Gauge(name string, value float64, tags []string, rate float64) error
	Histogram(name string, value float64, tags []string, rate float64) error
}

var (
	_ Client           = statsd.ClientInterface(nil)
	_ redress.Observer = (*Observer)(nil)
)

// Option configures New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	prefix    string
	tags      []string
	histogram bool
}

// WithPrefix sets the prefix of the metric names: {prefix}.retries,
// {prefix}.retry.duration and so on. An empty prefix gives the names
// retries, retry.duration and so on. A namespace set on the client (statsd.WithNamespace)
// comes before the prefix. Default "redress"; repeating replaces.
func WithPrefix(prefix string) Option {
	return optionFunc(func(c *config) { c.prefix = prefix })
}

// WithTags adds tags, such as "team:payments", to every metric the observer
// sends, after the event's own tags. Tags set on the client (statsd.WithTags)
// are sent as well. Default none; repeating adds.
func WithTags(tags ...string) Option {
	return optionFunc(func(c *config) {
		c.tags = append(c.tags[:len(c.tags):len(c.tags)], tags...)
	})
}

// WithHistogram sends call durations and retry sleeps as histograms
// (per-host aggregates: avg, max, p95, …) rather than as distributions
// (percentiles over the whole fleet, computed by Datadog). Default false: a distribution;
// repeating replaces.
func WithHistogram(histogram bool) Option {
	return optionFunc(func(c *config) { c.histogram = histogram })
}

// Observer is a redress.Observer that sends DogStatsD metrics; New makes
// one. It is safe for concurrent use.
type Observer struct {
	client       Client
	retries      string
	duration     string
	successAfter string
	circuit      string
	events       string
	sleep        string
	tags         []string
	histogram    bool
}

// New returns an observer that sends the metrics of every event to client
// (see the package documentation). It panics if client is nil: a missing
// client is a programming error that would otherwise lose every metric in
// silence.
func New(client Client, opts ...Option) *Observer {
	if client == nil {
		panic("redressdatadog: New called with a nil client")
	}
	c := config{prefix: DefaultPrefix}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return &Observer{
		client:       client,
		retries:      name(c.prefix, "retries"),
		duration:     name(c.prefix, "retry.duration"),
		successAfter: name(c.prefix, "retry.success_after_retries"),
		circuit:      name(c.prefix, "circuit.state"),
		events:       name(c.prefix, "events"),
		sleep:        name(c.prefix, "retry.sleep_seconds"),
		tags:         c.tags,
		histogram:    c.histogram,
	}
}

func name(prefix, metric string) string {
	if prefix == "" {
		return metric
	}
	return prefix + "." + metric
}

// Observe sends e's metrics, as the package documentation describes: a
// count in {prefix}.events for every event, and for a retry a count in
// {prefix}.retries and its sleep; for the event that ends a call (success,
// or the event of its stop reason) the call's duration, and for a success
// after retries a count in {prefix}.retry.success_after_retries; for a
// circuit event the breaker's state. The ctx is not used.
func (o *Observer) Observe(_ context.Context, e redress.Event) {
	o.countEvent(e)
	if e.Name == redress.EventRetry {
		o.send(o.retries, e, 1, "error.class:"+e.Class.String())
		return
	}
	if v, ok := stateValue(e.State); ok && e.Name.Circuit() {
		_ = o.client.Gauge(o.circuit, v, o.tagged(e), 1)
	}
	switch {
	case !e.Name.Terminal():
	case e.Name == redress.EventSuccess:
		o.distribution(o.duration, e.Elapsed.Seconds(), o.tagged(e))
		if e.Attempt > 1 {
			o.send(o.successAfter, e, 1, "retry.attempt:"+strconv.Itoa(e.Attempt))
		}
	case e.Attempt > 0:
		o.distribution(o.duration, e.Elapsed.Seconds(),
			o.tagged(e, "error.class:"+e.Class.String(), "stop_reason:"+string(e.Reason)))
	default: // refused before any attempt: there is no failure to classify
		o.distribution(o.duration, e.Elapsed.Seconds(), o.tagged(e, "stop_reason:"+string(e.Reason)))
	}
}

// send adds value to the count name, tagged with the operation, tags and
// the tags of WithTags.
func (o *Observer) send(name string, e redress.Event, value int64, tags ...string) {
	_ = o.client.Count(name, value, o.tagged(e, tags...), 1)
}

// distribution sends value to name as a distribution, or as a histogram
// with WithHistogram(true).
func (o *Observer) distribution(name string, value float64, tags []string) {
	if o.histogram {
		_ = o.client.Histogram(name, value, tags, 1)
	} else {
		_ = o.client.Distribution(name, value, tags, 1)
	}
}

// tagged returns a new slice of e's operation tag (when it has an
// operation), then tags, then the tags of WithTags. Each metric gets its
// own slice: a client may keep it until it is sent.
func (o *Observer) tagged(e redress.Event, tags ...string) []string {
	out := make([]string, 0, 1+len(tags)+len(o.tags))
	if e.Operation != "" {
		out = append(out, "operation:"+e.Operation)
	}
	out = append(out, tags...)
	return append(out, o.tags...)
}

// countEvent counts e in {prefix}.events and, for a retry, records its
// sleep in {prefix}.retry.sleep_seconds.
func (o *Observer) countEvent(e redress.Event) {
	tags := make([]string, 0, 5+len(o.tags))
	tags = append(tags, "event:"+string(e.Name))
	if e.Classified() {
		tags = append(tags, "class:"+e.Class.String())
	}
	if e.Operation != "" {
		tags = append(tags, "operation:"+e.Operation)
	}
	if e.Reason != "" {
		tags = append(tags, "stop_reason:"+string(e.Reason))
	}
	if e.Name.Circuit() {
		tags = append(tags, "circuit_state:"+e.State.String())
	}
	tags = append(tags, o.tags...)
	_ = o.client.Count(o.events, 1, tags, 1)

	if e.Name == redress.EventRetry {
		// The event's tags less "event:retry": class, operation and the
		// extras, shared: neither slice changes once handed over.
		o.distribution(o.sleep, e.Sleep.Seconds(), tags[1:len(tags):len(tags)])
	}
}

// stateValue is a breaker state's value in {prefix}.circuit.state: 0
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
