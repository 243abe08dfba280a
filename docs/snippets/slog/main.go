// Command slog shows redress.SlogObserver: every retry, terminal failure
// and breaker change of a call logged as one structured slog record, with
// a request ID the handler takes from the call's context.
//
//	go run ./docs/snippets/slog
//
// It is the Go counterpart of the Python library's structlog example; see
// docs/observability.md.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

func main() {
	h := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		Level:       slog.LevelDebug, // success and circuit_rejected are Debug
		ReplaceAttr: durationsAsText,
	})
	run(context.Background(), slog.New(requestIDHandler{h}))
}

// run makes three calls through policies that log with logger: one that
// succeeds after two retries, one that fails for good and opens the
// breaker, and one that the open breaker rejects.
func run(ctx context.Context, logger *slog.Logger) {
	br := breaker.New(breaker.WithFailureThreshold(1))
	policy := redress.MustNew(
		redress.WithOperation("inventory.reserve"),
		redress.WithRetry(
			retry.WithMaxAttempts(3),
			retry.WithBackoff(backoff.Exponential(50*time.Millisecond, time.Second)),
		),
		redress.WithBreaker(br),
		redress.WithObserver(redress.SlogObserver(logger)),
	)

	// Two failures, then a success.
	ctx1 := context.WithValue(ctx, requestIDKey{}, "req-1")
	failures := 2
	err := redress.Do(ctx1, func(context.Context) error {
		if failures > 0 {
			failures--
			return classifier.MarkTransient(errors.New("connection reset by peer"))
		}
		return nil
	}, policy)
	logger.InfoContext(ctx1, "reserve done", "err", err)

	// Three failures: the retries run out and the breaker opens.
	ctx2 := context.WithValue(ctx, requestIDKey{}, "req-2")
	err = redress.Do(ctx2, func(context.Context) error {
		return classifier.Mark(errors.New("503 Service Unavailable"), classifier.ServerError)
	}, policy)
	logger.InfoContext(ctx2, "reserve done", "err", err)

	// The open breaker rejects the next call without making it.
	ctx3 := context.WithValue(ctx, requestIDKey{}, "req-3")
	err = redress.Do(ctx3, func(context.Context) error { return nil }, policy)
	logger.InfoContext(ctx3, "reserve done", "err", err)
}

// durationsAsText writes durations (sleep, retry_after, elapsed) as
// "250ms" rather than the JSON handler's integer nanoseconds.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

type requestIDKey struct{}

// requestIDHandler adds the request ID of the record's context, if any.
// SlogObserver passes the call's context to the handler, so redress's
// records carry it too.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
