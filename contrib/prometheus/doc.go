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
// The four metrics every redress metrics integration records (redressotel
// and redressdatadog too), under the Python library's OpenTelemetry names
// spelled the Prometheus way, so one dashboard reads them all:
//
//   - redress_retries_total, a counter with the labels operation and
//     error_class: one per retry.
//   - redress_retry_duration_seconds, a histogram with the labels
//     operation, error_class and stop_reason: how long each call took,
//     retries and sleeps included, observed once when it ends. Both
//     error_class and stop_reason are empty for a call that succeeded;
//     error_class is empty too for a call refused before any attempt. The
//     buckets are DefaultDurationBuckets unless WithDurationBuckets says
//     otherwise.
//   - redress_retry_success_after_retries_total, a counter with the labels
//     operation and retry_attempt (the attempt that succeeded, "2" or
//     more): one per call that succeeded after a retry.
//   - redress_circuit_state, a gauge with the label operation: 0 closed,
//     1 half_open, 2 open, set on every circuit event of a call (a change
//     of state the call caused, or a call the breaker rejected).
//
// error_class values are classifier.Class strings ("TRANSIENT",
// "RATE_LIMIT", …); stop_reason values are redress.StopReason strings
// ("MAX_ATTEMPTS_GLOBAL", "CIRCUIT_OPEN", …).
//
// Two more, with the Python library's Prometheus names and labels:
//
//   - redress_events_total, a counter with the labels event, class,
//     operation and stop_reason: one per event of a call. event is the
//     event's name (redress.EventName: "retry", "success",
//     "max_attempts_exceeded", "circuit_opened", "circuit_rejected", …).
//     class is the class of the failure on events that have one
//     (redress.Event.Classified), and empty otherwise. stop_reason is the
//     stop reason on events that end a call without success (and on the
//     fallback event that may follow), and empty otherwise.
//   - redress_retry_sleep_seconds, a histogram with the labels operation
//     and class: the sleep before each retry. The buckets are
//     DefaultSleepBuckets unless WithSleepBuckets says otherwise.
//
// Every call observes its duration once and counts exactly one terminal
// event: success, or the event of its stop reason. So these select the
// calls that succeeded and the calls that failed, whatever a fallback did
// after:
//
//	redress_retry_duration_seconds_count{stop_reason=""}
//	redress_retry_duration_seconds_count{stop_reason!=""}
//
// Keep operation names low in cardinality ("users.get", not
// "users.get/42"): each is a label value.
package redressprom
