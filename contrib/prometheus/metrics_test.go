package redressprom_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressprom "github.com/redress-go/redress/contrib/prometheus"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// point is one series of a gathered metric, flattened for comparison.
type point struct {
	Metric string
	Labels string  // the labels, as "k=v,…" sorted by name
	Value  float64 // a counter's or a gauge's value, a histogram's sum
	Count  uint64  // a histogram's count
}

// shared are the metrics every redress integration records.
var shared = []string{
	redressprom.RetriesName,
	redressprom.DurationName,
	redressprom.SuccessAfterRetriesName,
	redressprom.CircuitStateName,
}

// gather reads back, through a registry, every series of m's metrics
// named in names, sorted by metric and labels.
func gather(t *testing.T, m *redressprom.Metrics, names ...string) []point {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var got []point
	for _, f := range families {
		if !slices.Contains(names, f.GetName()) {
			continue
		}
		for _, mt := range f.GetMetric() {
			p := point{Metric: f.GetName(), Labels: labels(mt.GetLabel())}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				p.Value = mt.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				p.Value = mt.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				p.Value = mt.GetHistogram().GetSampleSum()
				p.Count = mt.GetHistogram().GetSampleCount()
			default:
				t.Errorf("metric %s has type %v", f.GetName(), f.GetType())
			}
			got = append(got, p)
		}
	}
	slices.SortFunc(got, func(a, b point) int {
		return cmp.Or(strings.Compare(a.Metric, b.Metric), strings.Compare(a.Labels, b.Labels))
	})
	return got
}

func labels(pairs []*dto.LabelPair) string {
	var parts []string
	for _, l := range pairs {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// TestSharedMetrics runs scripted calls and reads back the four metrics
// shared with the other integrations: retries, call duration, successes
// after retries and the breaker's state.
func TestSharedMetrics(t *testing.T) {
	tests := []struct {
		name   string
		script func(observer redress.Option)
		want   []point
	}{
		{
			name: "two retries then success after 2.1 s",
			script: func(observer redress.Option) {
				_, _ = redress.Execute(context.Background(),
					failing(classifier.MarkTransient(errDown), classifier.MarkRateLimited(errDown, 0)),
					redress.WithOperation("users.get"),
					redress.WithClock(redresstest.NewAutoClock(epoch)),
					redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 2*time.Second))),
					observer)
			},
			want: []point{
				{Metric: "redress_retries_total", Labels: "error_class=RATE_LIMIT,operation=users.get", Value: 1},
				{Metric: "redress_retries_total", Labels: "error_class=TRANSIENT,operation=users.get", Value: 1},
				{Metric: "redress_retry_duration_seconds", Labels: "error_class=,operation=users.get,stop_reason=",
					Value: 2.1, Count: 1},
				{Metric: "redress_retry_success_after_retries_total", Labels: "operation=users.get,retry_attempt=3",
					Value: 1},
			},
		},
		{
			name: "success at once is no success after retries",
			script: func(observer redress.Option) {
				_, _ = redress.Execute(context.Background(), failing(), redress.WithOperation("users.get"),
					redress.WithClock(redresstest.NewAutoClock(epoch)), observer)
			},
			want: []point{
				{Metric: "redress_retry_duration_seconds", Labels: "error_class=,operation=users.get,stop_reason=",
					Count: 1},
			},
		},
		{
			name: "retries run out after 0.3 s",
			script: func(observer redress.Option) {
				_, _ = redress.Execute(context.Background(),
					failing(classifier.Mark(errDown, classifier.ServerError), classifier.Mark(errDown, classifier.ServerError)),
					redress.WithOperation("orders.create"),
					redress.WithClock(redresstest.NewAutoClock(epoch)),
					redress.WithRetry(retry.WithMaxAttempts(2), retry.WithBackoff(redresstest.Sequence(300*time.Millisecond))),
					observer)
			},
			want: []point{
				{Metric: "redress_retries_total", Labels: "error_class=SERVER_ERROR,operation=orders.create", Value: 1},
				{Metric: "redress_retry_duration_seconds",
					Labels: "error_class=SERVER_ERROR,operation=orders.create,stop_reason=MAX_ATTEMPTS_GLOBAL",
					Value:  0.3, Count: 1},
			},
		},
		{
			name: "a breaker opens, then rejects",
			script: func(observer redress.Option) {
				clk := redresstest.NewAutoClock(epoch)
				p := redress.MustNew(
					redress.WithOperation("db.query"),
					redress.WithClock(clk),
					redress.WithRetry(retry.WithMaxAttempts(1)),
					redress.WithBreaker(breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(2))),
					observer,
				)
				for range 3 {
					_, _ = redress.Execute(context.Background(), failing(classifier.MarkTransient(errDown)), p)
				}
			},
			want: []point{
				{Metric: "redress_circuit_state", Labels: "operation=db.query", Value: 2},
				{Metric: "redress_retry_duration_seconds", Labels: "error_class=,operation=db.query,stop_reason=CIRCUIT_OPEN",
					Count: 1},
				{Metric: "redress_retry_duration_seconds",
					Labels: "error_class=TRANSIENT,operation=db.query,stop_reason=MAX_ATTEMPTS_GLOBAL", Count: 2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := redressprom.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.script(redress.WithObserver(m))
			if diff := gocmp.Diff(tt.want, gather(t, m, shared...)); diff != "" {
				t.Errorf("series (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCircuitStateGauge steps a breaker through its states with calls and
// reads the gauge back after each: open, still open while it rejects,
// then half-open and closed again by a probe that succeeds.
func TestCircuitStateGauge(t *testing.T) {
	m, err := redressprom.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := redresstest.NewAutoClock(epoch)
	p := redress.MustNew(
		redress.WithOperation("db.query"),
		redress.WithClock(clk),
		redress.WithRetry(retry.WithMaxAttempts(1)),
		redress.WithBreaker(breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1),
			breaker.WithRecoveryTimeout(time.Second))),
		redress.WithObserver(m),
	)
	steps := []struct {
		name  string
		after time.Duration // advance the clock by this much first
		give  func(context.Context) (string, error)
		want  float64
	}{
		{name: "a failure opens", give: failing(classifier.MarkTransient(errDown)), want: 2},
		{name: "a call is rejected", give: failing(), want: 2},
		{name: "a probe succeeds after the recovery timeout", after: time.Second, give: failing(), want: 0},
		{name: "a failure opens again", give: failing(classifier.MarkTransient(errDown)), want: 2},
	}
	for _, st := range steps {
		clk.Advance(st.after)
		_, _ = redress.Execute(context.Background(), st.give, p)
		want := []point{{Metric: "redress_circuit_state", Labels: "operation=db.query", Value: st.want}}
		if diff := gocmp.Diff(want, gather(t, m, redressprom.CircuitStateName)); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", st.name, diff)
		}
	}
}

// TestCircuitStateValues gives the observer each circuit event by hand and
// checks the value it sets: the encoding shared with redressotel and
// redressdatadog.
func TestCircuitStateValues(t *testing.T) {
	tests := []struct {
		give redress.Event
		want float64
	}{
		{give: redress.Event{Name: redress.EventCircuitOpened, State: breaker.Open}, want: 2},
		{give: redress.Event{Name: redress.EventCircuitHalfOpen, State: breaker.HalfOpen}, want: 1},
		{give: redress.Event{Name: redress.EventCircuitClosed, State: breaker.Closed}, want: 0},
		{give: redress.Event{Name: redress.EventCircuitRejected, State: breaker.HalfOpen,
			Reason: redress.StopCircuitOpen}, want: 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.give.Name), func(t *testing.T) {
			m, err := redressprom.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.give.Operation = "a"
			m.Observe(context.Background(), tt.give)
			want := []point{{Metric: "redress_circuit_state", Labels: "operation=a", Value: tt.want}}
			if diff := gocmp.Diff(want, gather(t, m, redressprom.CircuitStateName)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDurationBuckets checks which bucket each call's duration lands in,
// with bounds set by WithDurationBuckets.
func TestDurationBuckets(t *testing.T) {
	m, err := redressprom.New(nil, redressprom.WithDurationBuckets(0.5, 2))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 3 * time.Second} {
		m.Observe(context.Background(), redress.Event{Name: redress.EventSuccess, Operation: "a", Attempt: 1, Elapsed: d})
	}
	const want = `
# HELP redress_retry_duration_seconds Duration of whole redress calls, retries and sleeps included, in seconds.
# TYPE redress_retry_duration_seconds histogram
redress_retry_duration_seconds_bucket{error_class="",operation="a",stop_reason="",le="0.5"} 1
redress_retry_duration_seconds_bucket{error_class="",operation="a",stop_reason="",le="2"} 2
redress_retry_duration_seconds_bucket{error_class="",operation="a",stop_reason="",le="+Inf"} 3
redress_retry_duration_seconds_sum{error_class="",operation="a",stop_reason=""} 4.5
redress_retry_duration_seconds_count{error_class="",operation="a",stop_reason=""} 3
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), redressprom.DurationName); err != nil {
		t.Error(err)
	}
}
