package redressotel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	redressotel "github.com/redress-go/redress/contrib/otel"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestSpanParents checks that the call's span is a child of the caller's
// span, and that the operation's spans, in every attempt, are children of
// the call's span.
func TestSpanParents(t *testing.T) {
	s := newSDK(t)
	tracer := s.tp.Tracer("app")
	ctx, parent := tracer.Start(context.Background(), "handler")
	_, err := redress.Execute(ctx, func(ctx context.Context) (int, error) {
		_, child := tracer.Start(ctx, "query")
		defer child.End()
		return 0, classifier.MarkTransient(errDown)
	}, redressotel.Telemetry(s.options()...),
		redress.WithOperation("users.get"),
		redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(twoAttempts...))
	parent.End()
	if err == nil {
		t.Fatal("Execute succeeded; want an error")
	}

	ended := s.spans.Ended()
	ids := map[trace.SpanID]string{}
	for _, sp := range ended {
		ids[sp.SpanContext().SpanID()] = sp.Name()
	}
	type edge struct{ Child, Parent string }
	var got []edge
	for _, sp := range ended {
		got = append(got, edge{sp.Name(), ids[sp.Parent().SpanID()]})
	}
	want := []edge{
		{"query", "users.get"},
		{"query", "users.get"},
		{"users.get", "handler"},
		{"handler", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spans and their parents (-want +got):\n%s", diff)
	}
}

// TestTelemetryInPolicyOrCall checks that Telemetry works the same given
// to New, or to one call with or without a policy.
func TestTelemetryInPolicyOrCall(t *testing.T) {
	tests := []struct {
		name string
		give func(telemetry redress.Option) []redress.Option
	}{
		{
			name: "in the policy",
			give: func(telemetry redress.Option) []redress.Option {
				return []redress.Option{redress.MustNew(redress.WithOperation("op"), telemetry)}
			},
		},
		{
			name: "after the policy",
			give: func(telemetry redress.Option) []redress.Option {
				return []redress.Option{redress.MustNew(redress.WithOperation("op")), telemetry}
			},
		},
		{
			name: "with plain options",
			give: func(telemetry redress.Option) []redress.Option {
				return []redress.Option{telemetry, redress.WithOperation("op")}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSDK(t)
			opts := append(tt.give(redressotel.Telemetry(s.options()...)), redress.WithClock(redresstest.NewAutoClock(epoch)))
			got, err := redress.Execute(context.Background(), failing(), opts...)
			if got != "ok" || err != nil {
				t.Errorf("got %q, %v; want %q, nil", got, err, "ok")
			}
			wantSpans := []span{{
				Name:   "op",
				Attrs:  map[string]any{"operation": "op", "retry.attempts": int64(1)},
				Events: []event{{Name: "success", Attrs: map[string]any{"retry.attempt": int64(1)}}},
			}}
			if diff := cmp.Diff(wantSpans, s.ended()); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
			wantPoints := []point{{Metric: "redress.retry.duration", Attrs: "operation=op", Count: 1}}
			if diff := cmp.Diff(wantPoints, s.points(t)); diff != "" {
				t.Errorf("metric points (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNestedCallsKeepTheirSpans checks that a call made inside an
// operation never adds to the span of the call that runs the operation:
// with Telemetry it has a span of its own, without it none.
func TestNestedCallsKeepTheirSpans(t *testing.T) {
	outer := span{Name: "outer", Attrs: map[string]any{"operation": "outer", "retry.attempts": int64(1)},
		Events: []event{{Name: "success", Attrs: map[string]any{"retry.attempt": int64(1)}}}}
	tests := []struct {
		name      string
		telemetry bool
		want      []span
	}{
		{
			name:      "inner call with Telemetry",
			telemetry: true,
			want: []span{
				{
					Name:  "inner",
					Attrs: map[string]any{"operation": "inner", "retry.attempts": int64(2)},
					Events: []event{
						{Name: "retry", Attrs: map[string]any{"retry.attempt": int64(1), "error.class": "TRANSIENT", "retry.sleep": 0.1}},
						{Name: "success", Attrs: map[string]any{"retry.attempt": int64(2)}},
					},
				},
				outer,
			},
		},
		{
			name:      "inner call without Telemetry",
			telemetry: false,
			want:      []span{outer},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSDK(t)
			telemetry := redressotel.Telemetry(s.options()...)
			inner := []redress.Option{
				redress.WithOperation("inner"),
				redress.WithClock(redresstest.NewAutoClock(epoch)),
				redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100 * time.Millisecond))),
			}
			if tt.telemetry {
				inner = append(inner, telemetry)
			}
			_, err := redress.Execute(context.Background(), func(ctx context.Context) (string, error) {
				// Fails once: a retry the outer span must not see.
				return redress.Execute(ctx, failing(classifier.MarkTransient(errDown)), inner...)
			}, telemetry, redress.WithOperation("outer"))
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			if diff := cmp.Diff(tt.want, s.ended()); diff != "" {
				t.Errorf("spans (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResultUnchanged checks that a call returns with Telemetry exactly
// what it returns without.
func TestResultUnchanged(t *testing.T) {
	s := newSDK(t)
	base := []redress.Option{redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithRetry(twoAttempts...)}
	with := append([]redress.Option{redressotel.Telemetry(s.options()...)}, base...)
	tests := []struct {
		name string
		give func(opts []redress.Option) (any, error)
	}{
		{
			name: "Execute success",
			give: func(opts []redress.Option) (any, error) {
				return redress.Execute(context.Background(), failing(errDown), opts...)
			},
		},
		{
			name: "Execute failure",
			give: func(opts []redress.Option) (any, error) {
				return redress.Execute(context.Background(), failing(errDown, errDown, errDown), opts...)
			},
		},
		{
			name: "Do failure",
			give: func(opts []redress.Option) (any, error) {
				return nil, redress.Do(context.Background(), func(context.Context) error { return errDown }, opts...)
			},
		},
		{
			name: "a fallback saves the call",
			give: func(opts []redress.Option) (any, error) {
				opts = append(opts, redress.WithFallback(func(context.Context, error) (string, error) { return "cached", nil }))
				return redress.Execute(context.Background(), failing(errDown, errDown), opts...)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotV, gotErr := tt.give(with)
			wantV, wantErr := tt.give(base)
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(errString(wantErr), errString(gotErr)); diff != "" {
				t.Errorf("error message (-want +got):\n%s", diff)
			}
			if errors.Is(gotErr, errDown) != errors.Is(wantErr, errDown) {
				t.Errorf("errors.Is(err, errDown) = %v; without Telemetry %v", errors.Is(gotErr, errDown), errors.Is(wantErr, errDown))
			}
		})
	}
}

// TestPanicEndsTheSpan checks that a panicking operation's panic goes on
// unchanged, and that its span ends with the status Error.
func TestPanicEndsTheSpan(t *testing.T) {
	s := newSDK(t)
	type boom struct{ n int }
	func() {
		defer func() {
			if diff := cmp.Diff(boom{7}, recover(), cmp.AllowUnexported(boom{})); diff != "" {
				t.Errorf("recovered (-want +got):\n%s", diff)
			}
		}()
		_ = redress.Do(context.Background(), func(context.Context) error { panic(boom{7}) },
			redressotel.Telemetry(s.options()...), redress.WithOperation("jobs.run"))
	}()
	want := []span{{
		Name:   "jobs.run",
		Attrs:  map[string]any{"operation": "jobs.run"},
		Status: codes.Error,
		Desc:   "redress: operation panicked",
	}}
	if diff := cmp.Diff(want, s.ended()); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}
