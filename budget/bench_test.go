package budget

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

func TestZeroAllocs(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock()
	w := New(math.MaxInt, time.Minute, WithClock(clk))
	r := NewRatio(0.2, WithClock(clk))
	b := NewTokenBucket(100, 0.1)
	real := New(math.MaxInt, time.Minute)
	invalid := New(-1, 0)
	q := NewQuota()
	qTimeouts := NewQuota(WithTimeoutCost(10)) // walks the error's chain
	server := classifier.Classification{Class: classifier.ServerError}
	tests := []struct {
		name string
		give func()
	}{
		{"Window.AllowRetry", func() { w.AllowRetry(ctx) }},
		{"Window.AllowRetry rotating buckets", func() { clk.Advance(7 * time.Second); w.AllowRetry(ctx) }},
		{"Window.AllowRetry on the real clock", func() { real.AllowRetry(ctx) }},
		{"Window.Remaining", func() { w.Remaining() }},
		{"Ratio.RecordRequest", r.RecordRequest},
		{"Ratio.AllowRetry", func() { r.AllowRetry(ctx) }},
		{"Ratio rotating buckets", func() { clk.Advance(time.Second); r.RecordRequest(); r.AllowRetry(ctx) }},
		{"TokenBucket.RecordOutcome", func() { b.RecordOutcome(false); b.RecordOutcome(true) }},
		{"TokenBucket.AllowRetry", func() { b.AllowRetry(ctx) }},
		{"invalid budget", func() { invalid.AllowRetry(ctx) }},
		{"Quota.AllowRetryFor and RecordSuccess", func() {
			q.AllowRetryFor(ctx, errServer, server)
			q.RecordSuccess(true, server, errServer)
			q.RecordSuccess(false, classifier.Classification{}, nil)
		}},
		{"Quota.AllowRetry", func() { q.AllowRetry(ctx); q.RecordSuccess(true, server, errServer) }},
		{"Quota.AllowRetryFor with a timeout cost", func() {
			qTimeouts.AllowRetryFor(ctx, errTimedOut, server)
			qTimeouts.RecordSuccess(true, server, errTimedOut)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(100, tt.give); got != 0 {
				t.Errorf("allocations per run = %v, want 0", got)
			}
		})
	}
}

func BenchmarkWindow(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		w := New(math.MaxInt, time.Minute)
		b.ReportAllocs()
		for b.Loop() {
			w.AllowRetry(ctx)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		w := New(math.MaxInt, time.Minute)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				w.AllowRetry(ctx)
			}
		})
	})
	b.Run("parallel exhausted", func(b *testing.B) {
		w := New(0, time.Minute)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				w.AllowRetry(ctx)
			}
		})
	})
}

func BenchmarkRatio(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		r := NewRatio(0.2)
		b.ReportAllocs()
		for b.Loop() {
			r.RecordRequest()
			r.AllowRetry(ctx)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		r := NewRatio(0.2)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r.RecordRequest()
				r.AllowRetry(ctx)
			}
		})
	})
}

func BenchmarkTokenBucket(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		tb := NewTokenBucket(100, 0.1)
		b.ReportAllocs()
		for b.Loop() {
			tb.RecordOutcome(false)
			tb.AllowRetry(ctx)
			tb.RecordOutcome(true)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		tb := NewTokenBucket(100, 0.1)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				tb.RecordOutcome(false)
				tb.AllowRetry(ctx)
				tb.RecordOutcome(true)
			}
		})
	})
}
