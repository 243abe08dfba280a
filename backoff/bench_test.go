package backoff

import (
	"testing"
	"time"
)

var sink time.Duration

func benchmarkDelay(b *testing.B, s Strategy, in Input) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		in.Attempt = i%8 + 1
		sink = s.Delay(in)
	}
}

var (
	benchInput      = Input{Attempt: 1, Prev: 300 * ms, Remaining: time.Minute}
	benchRetryAfter = Input{Attempt: 1, Classification: retryAfter(2 * time.Second)}
)

func BenchmarkConstant(b *testing.B) {
	benchmarkDelay(b, Constant(time.Second), benchInput)
}

func BenchmarkExponential(b *testing.B) {
	benchmarkDelay(b, Exponential(250*ms, 5*time.Second), benchInput)
}

func BenchmarkFullJitter(b *testing.B) {
	benchmarkDelay(b, FullJitter(250*ms, 5*time.Second), benchInput)
}

func BenchmarkFullJitterSeeded(b *testing.B) {
	benchmarkDelay(b, FullJitter(250*ms, 5*time.Second, WithSeed(1)), benchInput)
}

func BenchmarkEqualJitter(b *testing.B) {
	benchmarkDelay(b, EqualJitter(250*ms, 5*time.Second), benchInput)
}

func BenchmarkDecorrelatedJitter(b *testing.B) {
	benchmarkDelay(b, DecorrelatedJitter(250*ms, 5*time.Second), benchInput)
}

func BenchmarkDecorrelatedJitterSeeded(b *testing.B) {
	benchmarkDelay(b, DecorrelatedJitter(250*ms, 5*time.Second, WithSeed(1)), benchInput)
}

func BenchmarkToken(b *testing.B) {
	benchmarkDelay(b, Token(250*ms, 5*time.Second), benchInput)
}

func BenchmarkRetryAfterOr(b *testing.B) {
	benchmarkDelay(b, RetryAfterOr(DecorrelatedJitter(250*ms, 5*time.Second)), benchRetryAfter)
}

func BenchmarkRetryAfterOrFallback(b *testing.B) {
	benchmarkDelay(b, RetryAfterOr(DecorrelatedJitter(250*ms, 5*time.Second)), benchInput)
}

func BenchmarkCapped(b *testing.B) {
	benchmarkDelay(b, Capped(Exponential(250*ms, time.Hour), 5*time.Second), benchInput)
}

// BenchmarkFullJitterSeededParallel shares one seeded strategy between
// goroutines, the way a shared policy does.
func BenchmarkFullJitterSeededParallel(b *testing.B) {
	s := FullJitter(250*ms, 5*time.Second, WithSeed(1))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var d time.Duration
		for pb.Next() {
			d = s.Delay(benchInput)
		}
		_ = d
	})
}
