package redressotel_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	redressotel "github.com/redress-go/redress/contrib/otel"
	"github.com/redress-go/redress/retry"
)

// sdk is an OpenTelemetry SDK that keeps everything in memory: ended spans
// in a SpanRecorder, metrics in a ManualReader.
type sdk struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
}

func newSDK(t testing.TB) *sdk {
	s := &sdk{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	s.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(s.spans))
	s.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(s.reader))
	if t != nil {
		t.Cleanup(func() {
			_ = s.tp.Shutdown(context.Background())
			_ = s.mp.Shutdown(context.Background())
		})
	}
	return s
}

// options point Telemetry and CircuitStateListener at s.
func (s *sdk) options() []redressotel.Option {
	return []redressotel.Option{redressotel.WithTracerProvider(s.tp), redressotel.WithMeterProvider(s.mp)}
}

// point is one data point of a metric, flattened for comparison.
type point struct {
	Metric string
	Attrs  string  // the attributes, encoded as "k=v,…" sorted by key
	Value  float64 // a counter's or a gauge's value, a histogram's sum
	Count  uint64  // a histogram's count
	Min    float64 // a histogram's minimum
	Max    float64 // a histogram's maximum
}

// points collects every data point the SDK holds, in the order of the
// metrics' names and then of their attributes.
func (s *sdk) points(t testing.TB) []point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := s.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	var got []point
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != redressotel.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, redressotel.ScopeName)
		}
		for _, m := range sm.Metrics {
			got = append(got, flatten(t, m)...)
		}
	}
	slices.SortFunc(got, func(a, b point) int {
		return cmp.Or(strings.Compare(a.Metric, b.Metric), strings.Compare(a.Attrs, b.Attrs))
	})
	return got
}

func flatten(t testing.TB, m metricdata.Metrics) []point {
	var ps []point
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			ps = append(ps, point{Metric: m.Name, Attrs: encode(dp.Attributes), Value: float64(dp.Value)})
		}
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			ps = append(ps, point{Metric: m.Name, Attrs: encode(dp.Attributes), Value: float64(dp.Value)})
		}
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			mn, _ := dp.Min.Value()
			mx, _ := dp.Max.Value()
			ps = append(ps, point{Metric: m.Name, Attrs: encode(dp.Attributes), Value: dp.Sum,
				Count: dp.Count, Min: mn, Max: mx})
		}
	default:
		t.Errorf("metric %s has data of type %T", m.Name, m.Data)
	}
	return ps
}

func encode(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

// span is an ended span, flattened for comparison.
type span struct {
	Name   string
	Attrs  map[string]any
	Status codes.Code
	Desc   string
	Events []event
}

type event struct {
	Name  string
	Attrs map[string]any
}

// ended returns the spans that have ended, in the order they ended.
func (s *sdk) ended() []span {
	var got []span
	for _, ro := range s.spans.Ended() {
		sp := span{Name: ro.Name(), Attrs: attrMap(ro.Attributes()), Status: ro.Status().Code,
			Desc: ro.Status().Description}
		for _, e := range ro.Events() {
			sp.Events = append(sp.Events, event{Name: e.Name, Attrs: attrMap(e.Attributes)})
		}
		got = append(got, sp)
	}
	return got
}

func attrMap(kvs []attribute.KeyValue) map[string]any {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.AsInterface()
	}
	return m
}

// epoch is where the fake clocks start.
var epoch = time.Unix(1_700_000_000, 0)

// twoAttempts allows a call two attempts.
var twoAttempts = []retry.Option{retry.WithMaxAttempts(2)}
