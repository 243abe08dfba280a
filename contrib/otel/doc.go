// Package redressotel records redress calls with OpenTelemetry: a span and
// metrics for every call. Its directory is otel; the package name is
// redressotel, like the other integrations (redressprom, redressdatadog,
// redresssentry), so an import names it explicitly:
//
//	import redressotel "github.com/redress-go/redress/contrib/otel"
//
// # Setup
//
// Telemetry returns one redress.Option that wires a tracer and a meter
// into a policy. By default they come from the global providers
// (otel.SetTracerProvider, otel.SetMeterProvider); WithTracerProvider and
// WithMeterProvider choose others.
//
//	policy := redress.MustNew(
//		redress.WithOperation("users.get"),
//		redressotel.Telemetry(
//			redressotel.WithTracerProvider(tp),
//			redressotel.WithMeterProvider(mp),
//		),
//	)
//	user, err := redress.Execute(ctx, getUser, policy)
//
// Recording never changes a call's result and never waits on I/O: the SDK
// aggregates in memory and exports in the background. Telemetry installs
// a call middleware (redress.WithCallMiddleware) and an observer
// (redress.WithObserver), and adds to those already configured.
//
// # Spans
//
// Each call gets one span, started before anything else in the call (the
// breaker included) and ended when the call returns:
//
//   - named after the operation, or DefaultSpanName ("redress.retry");
//     kind internal; a child of the span in the caller's context, and the
//     parent of the spans the operation makes in every attempt;
//   - attributes: operation (when named), retry.attempts (the attempts
//     that reached the operation, 0 for a call the breaker rejected), and
//     for a call that stopped without success, stop_reason, error.class
//     (when an attempt ran) and circuit.state (when the breaker rejected
//     it);
//   - status: Error with the error's message when the call returns an
//     error; Unset when it succeeds (the OpenTelemetry specification asks
//     instrumentation libraries to leave Ok to the application), which
//     includes a call saved by a fallback; Error with "redress: operation
//     panicked" when the operation panics (the panic goes on unchanged);
//   - a span event for each event of the call, named after it: "retry",
//     "success", "max_attempts_exceeded", "permanent_fail", …,
//     "circuit_opened", "circuit_rejected", "fallback", "hedge". Each
//     attempt has one, its retry or the terminal event. Their attributes
//     are retry.attempt, error.class (failures), retry.sleep (the delay in
//     seconds, for retry and scheduled), stop_reason (terminal failures and
//     fallback), circuit.state (circuit events) and retry.hedge (hedges).
//
// # Metrics
//
// The metrics are the Python library's, and redressprom and
// redressdatadog record the same four under the same names, spelled as
// Prometheus and DogStatsD spell them, so one dashboard reads them all.
// Recorded from the call's events, under the instrumentation scope
// ScopeName, with these attributes (error.class values are
// classifier.Class strings such as "TRANSIENT"; stop_reason values are
// redress.StopReason strings such as "MAX_ATTEMPTS_GLOBAL"):
//
//   - redress.retries, a counter: one per retry; operation, error.class.
//   - redress.retry.duration, a histogram in seconds: how long each call
//     took, retries and sleeps included, recorded once when it ends;
//     operation, and for a call that stopped without success, stop_reason
//     and (when an attempt ran) error.class. A successful call has
//     neither, so its stop_reason is empty where a backend fills missing
//     attributes in (as Prometheus does).
//   - redress.retry.success_after_retries, a counter: calls that succeeded
//     after one retry or more; operation, retry.attempt (the attempt that
//     succeeded).
//   - redress.circuit.state, a gauge: 0 closed, 1 half_open, 2 open;
//     operation. Recorded on every circuit event (a change of state that a
//     call caused, or a rejected call). CircuitStateListener records the
//     same gauge for one breaker, with the attribute circuit.name instead.
//
// The operation name is an attribute of every metric: keep it low in
// cardinality ("users.get", not "users.get/42").
package redressotel
