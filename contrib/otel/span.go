package redressotel

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/redress-go/redress"
)

// A call's span is started and ended by Telemetry's call middleware, which
// runs once around the whole call, and filled in by its observer, which
// is told of the call's events with the context the middleware passed on.
// The middleware stores the span in that context under the *telemetry
// itself, so each Telemetry finds its own span: a call nested in the
// operation (whose context derives from the outer call's) gets a span of
// its own under the same key, and a span that other middleware put in the
// context is never written to.

// spanOf returns the span t's call middleware started for the call that
// ctx belongs to, or nil.
func (t *telemetry) spanOf(ctx context.Context) trace.Span {
	s, _ := ctx.Value(t).(trace.Span)
	return s
}

// wrapCall is the call middleware: it runs the call in a span.
func (t *telemetry) wrapCall(next redress.CallHandler) redress.CallHandler {
	return func(ctx context.Context, c *redress.Call) error {
		name := c.Operation
		opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
		if name == "" {
			name = DefaultSpanName
		} else {
			opts = append(opts, trace.WithAttributes(KeyOperation.String(c.Operation)))
		}
		ctx, span := t.tracer.Start(ctx, name, opts...)
		ctx = context.WithValue(ctx, t, span)
		finished := false
		defer func() {
			if !finished { // the operation panicked; the panic goes on unchanged
				span.SetStatus(codes.Error, errPanicked.Error())
				span.End()
			}
		}()
		err := next(ctx, c)
		finished = true
		span.SetAttributes(KeyAttempts.Int(c.Attempts))
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
		return err
	}
}

// addEvent adds e to the call's span as an event named after it; a
// terminal failure also sets the span's stop_reason, error.class and
// circuit.state.
func (t *telemetry) addEvent(ctx context.Context, e redress.Event) {
	span := t.spanOf(ctx)
	if span == nil || !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 5)
	if e.Attempt > 0 {
		attrs = append(attrs, KeyAttempt.Int(e.Attempt))
	}
	if e.Hedge > 0 {
		attrs = append(attrs, KeyHedge.Int(e.Hedge))
	}
	failed := e.Name == redress.EventRetry || e.Reason != ""
	if failed && e.Attempt > 0 {
		attrs = append(attrs, KeyErrorClass.String(e.Class.String()))
	}
	if e.Name == redress.EventRetry || e.Name == redress.EventScheduled {
		attrs = append(attrs, KeySleep.Float64(e.Sleep.Seconds()))
	}
	if e.Reason != "" {
		attrs = append(attrs, KeyStopReason.String(string(e.Reason)))
	}
	if e.Name.Circuit() {
		attrs = append(attrs, KeyCircuitState.String(e.State.String()))
	}
	span.AddEvent(string(e.Name), trace.WithAttributes(attrs...))
	if !e.Name.Terminal() || e.Reason == "" {
		return
	}
	// A terminal failure: say why on the span itself.
	span.SetAttributes(KeyStopReason.String(string(e.Reason)))
	if e.Attempt > 0 {
		span.SetAttributes(KeyErrorClass.String(e.Class.String()))
	}
	if e.Name.Circuit() {
		span.SetAttributes(KeyCircuitState.String(e.State.String()))
	}
}

// errPanicked is the status message of the span of a call whose
// operation panicked.
var errPanicked = errors.New("redress: operation panicked")
