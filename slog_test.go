package redress_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// newLogger logs every level to buf, without times.
func newLogger(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func TestSlogObserverLevelsAndAttributes(t *testing.T) {
	var buf bytes.Buffer
	clk := redresstest.NewAutoClock(epoch)
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
	p := mustNew(t, redress.WithObserver(redress.SlogObserver(newLogger(&buf))), redress.WithClock(clk),
		redress.WithOperation("op"), redress.WithBreaker(br),
		redress.WithRetry(retry.WithMaxAttempts(2), retry.WithBackoff(redresstest.Sequence(time.Second))))
	op, _ := script(0, errTransient, errTransient, errTransient)
	redress.Execute(context.Background(), op, p)
	redress.Execute(context.Background(), op, p)

	want := []string{
		`level=INFO msg="redress: retry" event=retry operation=op attempt=1 class=TRANSIENT sleep=1s elapsed=0s error="connection reset"`,
		`level=WARN msg="redress: max_attempts_exceeded" event=max_attempts_exceeded operation=op attempt=2 class=TRANSIENT elapsed=1s stop_reason=MAX_ATTEMPTS_GLOBAL error="redress: op: MAX_ATTEMPTS_GLOBAL after 2 attempts: last error (TRANSIENT): connection reset"`,
		`level=WARN msg="redress: circuit_opened" event=circuit_opened operation=op class=TRANSIENT elapsed=1s circuit_state=open`,
		`level=DEBUG msg="redress: circuit_rejected" event=circuit_rejected operation=op elapsed=0s stop_reason=CIRCUIT_OPEN circuit_state=open`,
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// The rejection's error and cause carry the breaker's retry-in time; compare up to them.
	if len(got) == len(want) {
		if i := strings.Index(got[3], " error="); i > 0 {
			got[3] = got[3][:i]
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

func TestSlogObserverRespectsLevel(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	err := redress.Do(context.Background(), func(context.Context) error { return errors.New("x") },
		redress.WithObserver(redress.SlogObserver(logger)), redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithMaxUnknownAttempts(1)))
	if err == nil {
		t.Fatal("want an error")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "event=max_unknown_attempts_exceeded") {
		t.Errorf("at Warn, logged %q; want only the terminal failure", lines)
	}
}
