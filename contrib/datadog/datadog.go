// Package redressdatadog reports redress events as DogStatsD metrics, through a
// client of github.com/DataDog/datadog-go/v5/statsd.
//
//	client, err := statsd.New("127.0.0.1:8125")
//	…
//	policy := redress.MustNew(
//		redress.WithOperation("users.get"),
//		redress.WithObserver(redressdatadog.New(client)),
//	)
//
// Every event adds 1 to the count {prefix}.events, and every retry records
// its sleep, in seconds, in the distribution {prefix}.retry.sleep_seconds.
// The prefix is "redress" unless WithPrefix says otherwise. The names and
// tag keys follow the Python library's Datadog module, and the tag values
// are the event names, classes and stop reasons both libraries share, so
// Go and Python services can share dashboards.
//
// The tags of {prefix}.events are, in this order:
//
//   - event: the event name (retry, success, permanent_fail, …);
//   - class: the failure's class, on retry and circuit_opened events and
//     on events with a stop reason (terminal failures) after at least one
//     attempt: not on a call that a breaker, bulkhead or throttle refused
//     at once;
//   - operation: the name given with redress.WithOperation, when there is one;
//   - stop_reason: on events with a stop reason;
//   - circuit_state: the breaker's state, on circuit events;
//
// then the tags of WithTags. {prefix}.retry.sleep_seconds has the class and
// operation tags, then the tags of WithTags. Every tag value comes from a
// small fixed set except operation, which must therefore be a
// low-cardinality name: "users.get", never "users.get/42".
//
// The observer only hands values to the client, which buffers them and
// sends them from its own goroutine: the call never waits on the network.
// Errors the client returns (a closed client, a full queue) are dropped,
// as a metric must never change a call's result; statsd.WithErrorHandler
// reports the client's own failures to send.
package redressdatadog

import (
	"context"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/redress-go/redress"
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

// WithPrefix sets the prefix of the metric names: {prefix}.events and
// {prefix}.retry.sleep_seconds. An empty prefix gives the names events and
// retry.sleep_seconds. A namespace set on the client (statsd.WithNamespace)
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

// WithHistogram sends retry sleeps as a histogram (per-host aggregates:
// avg, max, p95, …) rather than as a distribution (percentiles over the
// whole fleet, computed by Datadog). Default false: a distribution;
// repeating replaces.
func WithHistogram(histogram bool) Option {
	return optionFunc(func(c *config) { c.histogram = histogram })
}

// Observer is a redress.Observer that sends DogStatsD metrics; New makes
// one. It is safe for concurrent use.
type Observer struct {
	client     Client
	eventsName string
	sleepName  string
	tags       []string
	histogram  bool
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
		client:     client,
		eventsName: name(c.prefix, "events"),
		sleepName:  name(c.prefix, "retry.sleep_seconds"),
		tags:       c.tags,
		histogram:  c.histogram,
	}
}

func name(prefix, metric string) string {
	if prefix == "" {
		return metric
	}
	return prefix + "." + metric
}

// Observe counts e in {prefix}.events and, for a retry, records its sleep
// in {prefix}.retry.sleep_seconds. The ctx is not used.
func (o *Observer) Observe(_ context.Context, e redress.Event) {
	// Each call gets its own slice: a client may keep it until it is sent.
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
	_ = o.client.Count(o.eventsName, 1, tags, 1)

	if e.Name != redress.EventRetry {
		return
	}
	// The event's tags less "event:retry": class, operation and the extras.
	sleepTags := tags[1:len(tags):len(tags)]
	if o.histogram {
		_ = o.client.Histogram(o.sleepName, e.Sleep.Seconds(), sleepTags, 1)
	} else {
		_ = o.client.Distribution(o.sleepName, e.Sleep.Seconds(), sleepTags, 1)
	}
}
