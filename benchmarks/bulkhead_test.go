package benchmarks

import (
	"testing"

	"golang.org/x/sync/semaphore"

	"github.com/redress-go/redress/bulkhead"
)

// BenchmarkBulkhead measures taking a free slot and giving it back, the
// path of every call under a bulkhead that is not full: redress's
// bulkhead.Bulkhead against golang.org/x/sync/semaphore.Weighted, the usual
// way to bound concurrency in Go, serial and shared between GOMAXPROCS
// goroutines. The limit is high enough that no one ever finds it full.
func BenchmarkBulkhead(b *testing.B) {
	const limit = 1 << 20
	type subject struct {
		name string
		// make returns the acquire and release of one subject.
		make func() (tryAcquire func() bool, release func())
	}
	subjects := []subject{
		{"redress", func() (func() bool, func()) {
			bh := bulkhead.New(limit)
			return bh.TryAcquire, bh.Release
		}},
		{"x-sync-semaphore", func() (func() bool, func()) {
			sem := semaphore.NewWeighted(limit)
			return func() bool { return sem.TryAcquire(1) }, func() { sem.Release(1) }
		}},
	}
	for _, s := range subjects {
		b.Run("serial/"+s.name, func(b *testing.B) {
			acquire, release := s.make()
			b.ReportAllocs()
			for b.Loop() {
				if !acquire() {
					b.Fatal("no free slot")
				}
				release()
			}
		})
	}
	for _, s := range subjects {
		b.Run("parallel/"+s.name, func(b *testing.B) {
			acquire, release := s.make()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !acquire() {
						panic("no free slot")
					}
					release()
				}
			})
		})
	}
}
