package guides_test

// The code of docs/observability.md that needs no third-party module (its
// copy of Observer is in copies_test.go; the blocks of the metrics and
// error-tracking integrations are tested in their contrib modules).

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

// fakePager queues notifications.
type fakePager struct {
	mu    sync.Mutex
	queue []string
}

func (p *fakePager) Notify(_ context.Context, msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, msg)
}

func TestObservabilityGuidePager(t *testing.T) {
	pager := &fakePager{}
	opt :=
		redress.WithObserver(redress.ObserverFunc(func(ctx context.Context, e redress.Event) {
			if e.Name == redress.EventCircuitOpened {
				pager.Notify(ctx, e.Operation+": breaker opened") // must not block: queue it
			}
		}))
	fail := func(context.Context) error { return classifier.MarkTransient(errors.New("reset")) }
	_ = redress.Do(context.Background(), fail, opt,
		redress.WithOperation("users.get"),
		redress.WithBreaker(breaker.New(breaker.WithConsecutiveFailures(1))),
		redresstest.InstantRetries())
	if got := strings.Join(pager.queue, "|"); got != "users.get: breaker opened" {
		t.Errorf("pages: %q, want one for users.get", got)
	}
}

// recordingObserver counts the events it is told.
type recordingObserver struct{ n int }

func (r *recordingObserver) Observe(context.Context, redress.Event) { r.n++ }

func TestObservabilityGuideStack(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	metrics, errorTracker := &recordingObserver{}, &recordingObserver{}

	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(redress.SlogObserver(logger)),
		redress.WithObserver(metrics),      // redressdatadog.New(statsdClient), say
		redress.WithObserver(errorTracker), // redresssentry.New(nil), say
	)

	if err := redress.Do(context.Background(), func(context.Context) error { return nil }, policy); err != nil {
		t.Fatal(err)
	}
	if metrics.n != 1 || errorTracker.n != 1 || !strings.Contains(buf.String(), "event=success") {
		t.Errorf("told %d and %d times, logged %q; want each told of the success", metrics.n, errorTracker.n, buf.String())
	}
}
