package throttle_test

import (
	"testing"

	"github.com/redress-go/redress/throttle"
)

// The common case: a healthy backend, every request let through and
// accepted, on the real clock; one goroutine, then GOMAXPROCS at once.

func BenchmarkAllowRecord(b *testing.B) {
	th := throttle.New()
	b.ReportAllocs()
	for b.Loop() {
		if th.Allow() {
			th.Record(true)
		}
	}
}

func BenchmarkAllowRecordParallel(b *testing.B) {
	th := throttle.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if th.Allow() {
				th.Record(true)
			}
		}
	})
}

// BenchmarkAllowRefusing is Allow while the backend sheds everything: a
// random draw on every request.
func BenchmarkAllowRefusingParallel(b *testing.B) {
	th := throttle.New()
	for range 1000 {
		th.Record(false)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			th.Allow()
		}
	})
}
