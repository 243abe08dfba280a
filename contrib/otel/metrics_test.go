package redressotel_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressotel "github.com/redress-go/redress/contrib/otel"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestInstruments checks each instrument's name, kind, unit and
// description, and the histogram's bucket boundaries and counts.
func TestInstruments(t *testing.T) {
	s := newSDK(t)
	clk := redresstest.NewAutoClock(epoch)
	telemetry := redressotel.Telemetry(s.options()...)
	// Two retries of 2 s each, then success: 4 s.
	_, _ = redress.Execute(context.Background(),
		failing(classifier.MarkTransient(errDown), classifier.MarkTransient(errDown)),
		telemetry, redress.WithClock(clk), redress.WithRetry(retry.WithBackoff(redresstest.Sequence(2*time.Second))))
	// Rejected at once by an open breaker.
	br := breaker.New(breaker.WithClock(clk))
	br.ForceOpen()
	_, _ = redress.Execute(context.Background(), failing(), telemetry, redress.WithClock(clk), redress.WithBreaker(br))

	var rm metricdata.ResourceMetrics
	if err := s.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	type instrument struct {
		Name, Kind, Unit, Description string
		Bounds                        []float64
		Buckets                       map[string][]uint64 // by attributes
	}
	var got []instrument
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			in := instrument{Name: m.Name, Unit: m.Unit, Description: m.Description}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				in.Kind = "counter"
				if !d.IsMonotonic || d.Temporality != metricdata.CumulativeTemporality {
					t.Errorf("%s: monotonic %v, temporality %v", m.Name, d.IsMonotonic, d.Temporality)
				}
			case metricdata.Gauge[int64]:
				in.Kind = "gauge"
			case metricdata.Histogram[float64]:
				in.Kind = "histogram"
				in.Buckets = map[string][]uint64{}
				for _, dp := range d.DataPoints {
					in.Bounds = dp.Bounds
					in.Buckets[encode(dp.Attributes)] = dp.BucketCounts
				}
			}
			got = append(got, in)
		}
	}
	want := []instrument{
		{Name: "redress.circuit.state", Kind: "gauge", Unit: "{state}",
			Description: "Circuit breaker state: 0 closed, 1 half_open, 2 open."},
		{Name: "redress.retries", Kind: "counter", Unit: "{retry}", Description: "Retries made by redress calls."},
		{
			Name: "redress.retry.duration", Kind: "histogram", Unit: "s",
			Description: "Duration of whole redress calls, retries and sleeps included.",
			Bounds:      []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
			Buckets: map[string][]uint64{
				"operation=":                          {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, // (2.5, 5]
				"operation=,stop_reason=CIRCUIT_OPEN": {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // [0, 0.005]
			},
		},
		{Name: "redress.retry.success_after_retries", Kind: "counter", Unit: "{call}",
			Description: "Redress calls that succeeded after at least one retry."},
	}
	less := func(a, b instrument) bool { return a.Name < b.Name }
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(less)); diff != "" {
		t.Errorf("instruments (-want +got):\n%s", diff)
	}
}

// TestCircuitStateListener steps a breaker through its states and checks
// the gauge the listener records after each step.
func TestCircuitStateListener(t *testing.T) {
	s := newSDK(t)
	clk := redresstest.NewClock(epoch)
	br := breaker.New(
		breaker.WithClock(clk),
		breaker.WithFailureThreshold(1),
		breaker.WithRecoveryTimeout(time.Second),
		breaker.WithOnStateChange(redressotel.CircuitStateListener("users-api", s.options()...)),
	)
	fail := func() {
		_ = br.Do(func() error { return errDown }, func(error) classifier.Class { return classifier.Transient })
	}
	var (
		ticket breaker.Ticket
		err    error
	)
	steps := []struct {
		name string
		give func()
		want float64
	}{
		{name: "a failure opens", give: fail, want: 2},
		{name: "a probe is let through after the recovery timeout", give: func() {
			clk.Advance(time.Second)
			ticket, err = br.Allow()
		}, want: 1},
		{name: "the probe succeeds", give: func() { br.Record(ticket, breaker.Success, classifier.Unknown) }, want: 0},
		{name: "ForceOpen", give: func() { br.ForceOpen() }, want: 2},
		{name: "Reset", give: func() { br.Reset() }, want: 0},
	}
	for _, st := range steps {
		st.give()
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		want := []point{{Metric: "redress.circuit.state", Attrs: "circuit.name=users-api", Value: st.want}}
		if diff := cmp.Diff(want, s.points(t)); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", st.name, diff)
		}
	}
}

// TestCircuitEventsRecordTheGauge checks the gauge Telemetry records from
// the events of calls: open, then half-open and closed again by a probe.
func TestCircuitEventsRecordTheGauge(t *testing.T) {
	s := newSDK(t)
	clk := redresstest.NewAutoClock(epoch)
	p := redress.MustNew(
		redress.WithOperation("db.query"),
		redress.WithClock(clk),
		redress.WithRetry(retry.WithMaxAttempts(1)),
		redress.WithBreaker(breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1),
			breaker.WithRecoveryTimeout(time.Second))),
		redressotel.Telemetry(s.options()...),
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
	}
	for _, st := range steps {
		clk.Advance(st.after)
		_, _ = redress.Execute(context.Background(), st.give, p)
		var got []point
		for _, pt := range s.points(t) {
			if pt.Metric == redressotel.MetricCircuitState {
				got = append(got, pt)
			}
		}
		want := []point{{Metric: "redress.circuit.state", Attrs: "operation=db.query", Value: st.want}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after %s (-want +got):\n%s", st.name, diff)
		}
	}
}
