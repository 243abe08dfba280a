// Package redressprom exposes the events of redress calls as Prometheus
// metrics. Its directory is prometheus; the package name is redressprom,
// so an import names it explicitly:
//
//	import redressprom "github.com/redress-go/redress/contrib/prometheus"
//
// # Setup
//
// New makes a Metrics, which is both a prometheus.Collector (registered
// with the registry given to New) and a redress.Observer (given to
// policies with redress.WithObserver). Make one per registry and share it
// among policies: the operation label tells them apart.
//
//	metrics, err := redressprom.New(prometheus.DefaultRegisterer)
//	if err != nil {
//		return err
//	}
//	policy := redress.MustNew(
//		redress.WithOperation("users.get"),
//		redress.WithObserver(metrics),
//	)
//	http.Handle("/metrics", promhttp.Handler())
//
// Observing updates counters in memory and never changes a call's result;
// a scrape reads them.
//
// # Metrics
//
//   - redress_events_total, a counter with the labels event, class,
//     operation and stop_reason: one per event of a call. event is the
//     event's name (redress.EventName: "retry", "success",
//     "max_attempts_exceeded", "circuit_opened", "circuit_rejected", …).
//     class is the class of the failure (classifier.Class: "TRANSIENT",
//     "RATE_LIMIT", …) on retries and on events that end a call after a
//     failed attempt, and empty otherwise. stop_reason is the stop reason
//     (redress.StopReason: "MAX_ATTEMPTS_GLOBAL", "CIRCUIT_OPEN", …) on
//     events that end a call without success (and on the fallback event
//     that may follow), and empty otherwise.
//   - redress_retry_sleep_seconds, a histogram with the labels operation
//     and class: the sleep before each retry. The buckets are
//     DefaultSleepBuckets unless WithSleepBuckets says otherwise.
//
// Every call counts exactly one terminal event: success, or the event of
// its stop reason. So these select the calls that succeeded and the calls
// that failed, whatever a fallback did after:
//
//	redress_events_total{event="success"}
//	redress_events_total{stop_reason!="", event!="fallback"}
//
// Keep operation names low in cardinality ("users.get", not
// "users.get/42"): each is a label value.
package redressprom
