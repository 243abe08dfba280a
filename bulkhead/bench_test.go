package bulkhead_test

import (
	"context"
	"testing"

	"golang.org/x/sync/semaphore"

	"github.com/redress-go/redress/bulkhead"
)

// The fast path: a free slot taken and given back, one goroutine and then
// GOMAXPROCS goroutines at once. The limit is high enough that nobody
// waits. semaphore.Weighted, which the root package used before this
// package, is measured on the same paths for comparison: it takes a mutex
// on every acquire and release.

const benchLimit = 1 << 20

func BenchmarkTryAcquireRelease(b *testing.B) {
	bh := bulkhead.New(benchLimit)
	b.ReportAllocs()
	for b.Loop() {
		if !bh.TryAcquire() {
			b.Fatal("TryAcquire = false")
		}
		bh.Release()
	}
}

func BenchmarkTryAcquireReleaseParallel(b *testing.B) {
	bh := bulkhead.New(benchLimit)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !bh.TryAcquire() {
				b.Error("TryAcquire = false")
				return
			}
			bh.Release()
		}
	})
}

func BenchmarkAcquireReleaseParallel(b *testing.B) {
	bh := bulkhead.New(benchLimit)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := bh.Acquire(ctx); err != nil {
				b.Error(err)
				return
			}
			bh.Release()
		}
	})
}

func BenchmarkSemaphoreWeighted(b *testing.B) {
	sem := semaphore.NewWeighted(benchLimit)
	b.ReportAllocs()
	for b.Loop() {
		if !sem.TryAcquire(1) {
			b.Fatal("TryAcquire = false")
		}
		sem.Release(1)
	}
}

func BenchmarkSemaphoreWeightedParallel(b *testing.B) {
	sem := semaphore.NewWeighted(benchLimit)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !sem.TryAcquire(1) {
				b.Error("TryAcquire = false")
				return
			}
			sem.Release(1)
		}
	})
}
