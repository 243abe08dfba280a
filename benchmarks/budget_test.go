package benchmarks

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress/budget"
)

// BenchmarkBudget measures the three kinds of retry budget granting a retry,
// each with plenty left, serial and shared between GOMAXPROCS goroutines.
// Package budget has finer-grained benchmarks of its own (bench_test.go).
//
// The ratio budget grants retries in proportion to requests, so each
// iteration records a request first; the token bucket's iteration records a
// failure, asks, and records a success, so that its level stays put.
func BenchmarkBudget(b *testing.B) {
	ctx := context.Background()
	type subject struct {
		name string
		make func() func()
	}
	subjects := []subject{
		{"window", func() func() {
			w := budget.New(math.MaxInt, time.Minute)
			return func() { w.AllowRetry(ctx) }
		}},
		{"ratio", func() func() {
			r := budget.NewRatio(0.2)
			return func() {
				r.RecordRequest()
				r.AllowRetry(ctx)
			}
		}},
		{"token-bucket", func() func() {
			tb := budget.NewTokenBucket(100, 0.1)
			return func() {
				tb.RecordOutcome(false)
				tb.AllowRetry(ctx)
				tb.RecordOutcome(true)
			}
		}},
	}
	for _, s := range subjects {
		b.Run("serial/"+s.name, func(b *testing.B) {
			step := s.make()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
	for _, s := range subjects {
		b.Run("parallel/"+s.name, func(b *testing.B) {
			step := s.make()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					step()
				}
			})
		})
	}
}
