package benchmarks

import (
	"testing"
	"time"
)

// nowSink keeps time.Now's result alive.
var nowSink time.Time

// BenchmarkClockRead is the price of one time.Now on this machine, for
// reading the others: redress's success path reads the clock once per call,
// gobreaker reads it on every call, and on virtual machines a clock read can
// be a large share of a call that does little else.
func BenchmarkClockRead(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		nowSink = time.Now()
	}
}
