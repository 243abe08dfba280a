package breaker

import (
	"testing"

	"github.com/redress-go/redress/classifier"
)

func BenchmarkConsecutiveSuccess(b *testing.B) {
	br := New(WithConsecutiveFailures(5))
	b.ReportAllocs()
	for b.Loop() {
		t, _ := br.Allow()
		br.Record(t, Success, classifier.Unknown)
	}
}

func BenchmarkConsecutiveSuccessParallel(b *testing.B) {
	br := New(WithConsecutiveFailures(5))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, _ := br.Allow()
			br.Record(t, Success, classifier.Unknown)
		}
	})
}

// BenchmarkConsecutiveFailure records failures in the steady state: the
// run never reaches its threshold.
func BenchmarkConsecutiveFailure(b *testing.B) {
	br := New(WithConsecutiveFailures(maxConsecutive))
	b.ReportAllocs()
	for b.Loop() {
		t, _ := br.Allow()
		br.Record(t, Failure, classifier.Transient)
	}
}

// BenchmarkConsecutiveMixed alternates a failure and a success, so that
// every success has a run to end.
func BenchmarkConsecutiveMixed(b *testing.B) {
	br := New(WithConsecutiveFailures(5))
	outcomes := [2]Outcome{Failure, Success}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		t, _ := br.Allow()
		br.Record(t, outcomes[i&1], classifier.Transient)
		i++
	}
}

func BenchmarkConsecutiveMixedParallel(b *testing.B) {
	br := New(WithConsecutiveFailures(1 << 20))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		outcomes := [2]Outcome{Failure, Success}
		i := 0
		for pb.Next() {
			t, _ := br.Allow()
			br.Record(t, outcomes[i&1], classifier.Transient)
			i++
		}
	})
}

func BenchmarkMetrics(b *testing.B) {
	br := New()
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Metrics()
	}
}
