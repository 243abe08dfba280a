package breaker

import (
	"testing"

	"github.com/redress-go/redress/classifier"
)

// The benchmarks run on the real clock, as in production.

func BenchmarkClosedSuccess(b *testing.B) {
	br := New()
	b.ReportAllocs()
	for b.Loop() {
		t, _ := br.Allow()
		br.Record(t, Success, classifier.Unknown)
	}
}

func BenchmarkClosedSuccessParallel(b *testing.B) {
	br := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, _ := br.Allow()
			br.Record(t, Success, classifier.Unknown)
		}
	})
}

func BenchmarkClosedSuccessFailureRate(b *testing.B) {
	br := New(WithFailureRate(0.5, 100))
	b.ReportAllocs()
	for b.Loop() {
		t, _ := br.Allow()
		br.Record(t, Success, classifier.Unknown)
	}
}

func BenchmarkClosedSuccessFailureRateParallel(b *testing.B) {
	br := New(WithFailureRate(0.5, 100))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, _ := br.Allow()
			br.Record(t, Success, classifier.Unknown)
		}
	})
}

// BenchmarkClosedFailure records failures in the steady state: the
// threshold is never reached, so every call counts one in the window.
func BenchmarkClosedFailure(b *testing.B) {
	br := New(WithFailureThreshold(1 << 62))
	b.ReportAllocs()
	for b.Loop() {
		t, _ := br.Allow()
		br.Record(t, Failure, classifier.Transient)
	}
}

func BenchmarkClosedFailureParallel(b *testing.B) {
	br := New(WithFailureThreshold(1 << 62))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, _ := br.Allow()
			br.Record(t, Failure, classifier.Transient)
		}
	})
}

func BenchmarkOpenReject(b *testing.B) {
	br := New()
	br.ForceOpen()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = br.Allow()
	}
}

func BenchmarkDoSuccess(b *testing.B) {
	br := New()
	fn := func() error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(fn, nil)
	}
}
