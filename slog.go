package redress

import (
	"context"
	"log/slog"
)

// SlogObserver returns an observer that logs every event to l with
// structured attributes, at these levels:
//
//   - Debug: success, hedge, and the rejections circuit_rejected,
//     bulkhead_rejected and throttled (they can repeat at the call rate
//     while a dependency is down or overloaded);
//   - Info: retry, scheduled, aborted (the caller gave up: not the
//     dependency's fault), fallback, circuit_half_open, circuit_closed;
//   - Warn: every other terminal failure (permanent_fail,
//     max_attempts_exceeded, deadline_exceeded, budget_exhausted, …) and
//     circuit_opened.
//
// The message is "redress: " and the event name. Attributes are event,
// operation, attempt, class, sleep, retry_after, elapsed, stop_reason,
// circuit_state, error, hedge and cause, each only where it applies (class
// only for calls that made an attempt). The call's ctx is passed to the
// handler, so handlers that read trace IDs from it work. A nil l means
// slog.Default().
func SlogObserver(l *slog.Logger) Observer {
	return slogObserver{l}
}

type slogObserver struct{ l *slog.Logger }

func (o slogObserver) Observe(ctx context.Context, e Event) {
	l := o.l
	if l == nil {
		l = slog.Default()
	}
	level := eventLevel(e.Name)
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs, slog.String("event", string(e.Name)))
	if e.Operation != "" {
		attrs = append(attrs, slog.String("operation", e.Operation))
	}
	if e.Attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", e.Attempt))
	}
	if e.Classified() {
		attrs = append(attrs, slog.String("class", e.Class.String()))
	}
	if e.Name == EventRetry || e.Name == EventScheduled {
		attrs = append(attrs, slog.Duration("sleep", e.Sleep))
	}
	if e.RetryAfter > 0 {
		attrs = append(attrs, slog.Duration("retry_after", e.RetryAfter))
	}
	attrs = append(attrs, slog.Duration("elapsed", e.Elapsed))
	if e.Reason != "" {
		attrs = append(attrs, slog.String("stop_reason", string(e.Reason)))
	}
	if e.Name.Circuit() {
		attrs = append(attrs, slog.String("circuit_state", e.State.String()))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
	}
	if e.Hedge > 0 {
		attrs = append(attrs, slog.Int("hedge", e.Hedge))
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	l.LogAttrs(ctx, level, "redress: "+string(e.Name), attrs...)
}

func eventLevel(n EventName) slog.Level {
	switch n {
	case EventSuccess, EventCircuitRejected, EventHedge, EventBulkheadRejected, EventThrottled:
		return slog.LevelDebug
	case EventRetry, EventScheduled, EventAborted, EventCircuitHalfOpen, EventCircuitClosed, EventFallback:
		return slog.LevelInfo
	}
	return slog.LevelWarn
}
