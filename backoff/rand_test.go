package backoff

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redress-go/redress/classifier"
)

// constructor builds a jittered strategy from base, max and options.
type constructor func(base, max time.Duration, opts ...Option) Strategy

// jittered lists every strategy that takes options. RetryAfterOr is built
// over Exponential, so all its randomness is its own.
var jittered = []struct {
	name string
	new  constructor
}{
	{name: "FullJitter", new: FullJitter},
	{name: "EqualJitter", new: EqualJitter},
	{name: "DecorrelatedJitter", new: DecorrelatedJitter},
	{name: "Token", new: Token},
	{name: "RetryAfterOr", new: func(base, max time.Duration, opts ...Option) Strategy {
		return RetryAfterOr(Exponential(base, max), opts...)
	}},
}

func retryAfter(d time.Duration) classifier.Classification {
	return classifier.Classification{Class: classifier.RateLimit, RetryAfter: d}
}

// sequence returns s's delays for a fixed run of varied inputs, feeding
// each delay back as the next Prev the way the retry policy does.
func sequence(s Strategy, attempt func(i int) int) []time.Duration {
	var got []time.Duration
	var prev time.Duration
	for i := range 40 {
		in := Input{Attempt: attempt(i), Prev: prev}
		if i%3 == 0 {
			in.Classification = retryAfter(time.Duration(i) * time.Second)
		}
		prev = s.Delay(in)
		got = append(got, prev)
	}
	return got
}

func attemptNumber(i int) int { return i%8 + 1 }

func TestWithSeedReproducible(t *testing.T) {
	for _, tt := range jittered {
		t.Run(tt.name, func(t *testing.T) {
			want := sequence(tt.new(100*ms, 10*time.Second, WithSeed(42)), attemptNumber)
			got := sequence(tt.new(100*ms, 10*time.Second, WithSeed(42)), attemptNumber)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("same seed, different sequence (-want +got):\n%s", diff)
			}
			other := sequence(tt.new(100*ms, 10*time.Second, WithSeed(43)), attemptNumber)
			if cmp.Equal(want, other) {
				t.Errorf("seeds 42 and 43 gave the same sequence %v", want)
			}
		})
	}
}

func TestWithSeedRepeatedReplaces(t *testing.T) {
	for _, tt := range jittered {
		t.Run(tt.name, func(t *testing.T) {
			want := sequence(tt.new(100*ms, 10*time.Second, WithSeed(2)), attemptNumber)
			got := sequence(tt.new(100*ms, 10*time.Second, WithSeed(1), WithSeed(2)), attemptNumber)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("WithSeed(1), WithSeed(2) differs from WithSeed(2) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttemptBelowOneCountsAsOne(t *testing.T) {
	for _, tt := range jittered {
		for _, give := range []int{0, -1, math.MinInt} {
			t.Run(fmt.Sprintf("%s/attempt %d", tt.name, give), func(t *testing.T) {
				want := sequence(tt.new(100*ms, 10*time.Second, WithSeed(7)), func(int) int { return 1 })
				got := sequence(tt.new(100*ms, 10*time.Second, WithSeed(7)), func(int) int { return give })
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("attempt %d differs from attempt 1 (-want +got):\n%s", give, diff)
				}
			})
		}
	}
}

func TestConstructorsNormalise(t *testing.T) {
	tests := []struct {
		name     string
		giveBase time.Duration
		giveMax  time.Duration
		wantBase time.Duration
		wantMax  time.Duration
	}{
		{name: "negative base", giveBase: -time.Second, giveMax: time.Second, wantBase: 0, wantMax: time.Second},
		{name: "max below base", giveBase: time.Second, giveMax: ms, wantBase: time.Second, wantMax: time.Second},
		{name: "negative max", giveBase: time.Second, giveMax: -time.Hour, wantBase: time.Second, wantMax: time.Second},
		{name: "both negative", giveBase: -time.Second, giveMax: -time.Hour, wantBase: 0, wantMax: 0},
	}
	for _, c := range jittered {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				want := sequence(c.new(tt.wantBase, tt.wantMax, WithSeed(3)), attemptNumber)
				got := sequence(c.new(tt.giveBase, tt.giveMax, WithSeed(3)), attemptNumber)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(%v, %v) differs from (%v, %v) (-want +got):\n%s",
						tt.giveBase, tt.giveMax, tt.wantBase, tt.wantMax, diff)
				}
			})
		}
	}
}

func TestFullJitterVaries(t *testing.T) {
	tests := []struct {
		name string
		give Strategy
	}{
		{name: "unseeded", give: FullJitter(time.Second, time.Minute)},
		{name: "seeded", give: FullJitter(time.Second, time.Minute, WithSeed(1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := make(map[time.Duration]bool)
			for range 1000 {
				d := tt.give.Delay(Input{Attempt: 2})
				if d < 0 || d > 2*time.Second {
					t.Fatalf("Delay() = %v, want within [0, 2s]", d)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("1,000 draws gave %d distinct delays, want more than 1", len(seen))
			}
		})
	}
}

// TestUpToUniform checks both sources for gross bias: 10,000 draws from
// [0, 9] put 1,000 in each bucket give or take 200 (over six standard
// deviations).
func TestUpToUniform(t *testing.T) {
	seeded := &rng{}
	seeded.init([]Option{WithSeed(5)})
	tests := []struct {
		name string
		give *rng
	}{
		{name: "unseeded", give: &rng{}},
		{name: "seeded", give: seeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buckets [10]int
			for range 10000 {
				buckets[tt.give.upTo(9)]++
			}
			for i, n := range buckets {
				if n < 800 || n > 1200 {
					t.Errorf("bucket %d holds %d of 10,000 draws, want within [800, 1200]; all: %v", i, n, buckets)
				}
			}
		})
	}
}

// TestUpToUnbiasedLargeRange catches the bias of multiplying without
// rejecting: for [0, 3·2^61) the unrejected high word is 2 (mod 3) for only
// a quarter of the draws instead of a third.
func TestUpToUnbiasedLargeRange(t *testing.T) {
	seeded := &rng{}
	seeded.init([]Option{WithSeed(5)})
	tests := []struct {
		name string
		give *rng
	}{
		{name: "unseeded", give: &rng{}},
		{name: "seeded", give: seeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var twos int
			for range 30000 {
				if tt.give.upTo(3<<61-1)%3 == 2 {
					twos++
				}
			}
			if twos < 9000 || twos > 11000 {
				t.Errorf("%d of 30,000 draws are 2 (mod 3), want within [9000, 11000]", twos)
			}
		})
	}
}

func TestUpToBounds(t *testing.T) {
	seeded := &rng{}
	seeded.init([]Option{WithSeed(9)})
	for _, r := range []*rng{{}, seeded} {
		for _, n := range []time.Duration{-5, 0, 1, 2, 3, 1 << 62, maxDuration - 1, maxDuration} {
			for range 200 {
				if got := r.upTo(n); got < 0 || got > max(n, 0) {
					t.Fatalf("upTo(%d) with seeded=%v = %d, want within [0, %d]", n, r.seeded, got, max(n, 0))
				}
			}
		}
	}
}

// TestConcurrentDelay shares one seeded strategy between goroutines. Each
// draw takes its own step of the seeded source, so, whatever the
// interleaving, the goroutines together get exactly the delays one
// goroutine would get from the same seed, in some order.
func TestConcurrentDelay(t *testing.T) {
	const goroutines, calls = 8, 250
	in := Input{Attempt: 3, Prev: 200 * ms, Classification: retryAfter(time.Second)}
	for _, tt := range jittered {
		t.Run(tt.name, func(t *testing.T) {
			var want []time.Duration
			seq := tt.new(100*ms, 10*time.Second, WithSeed(11))
			for range goroutines * calls {
				want = append(want, seq.Delay(in))
			}

			shared := tt.new(100*ms, 10*time.Second, WithSeed(11))
			got := make([][]time.Duration, goroutines)
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for range calls {
						got[g] = append(got[g], shared.Delay(in))
					}
				})
			}
			wg.Wait()

			all := slices.Concat(got...)
			slices.Sort(all)
			slices.Sort(want)
			if diff := cmp.Diff(want, all); diff != "" {
				t.Errorf("concurrent draws differ from sequential ones (-want +got):\n%s", diff)
			}
			if want[0] == want[len(want)-1] {
				t.Errorf("all %d draws are %v, want some spread", len(want), want[0])
			}
		})
	}
}

func TestDelayDoesNotAllocate(t *testing.T) {
	plain := Input{Attempt: 4, Prev: 300 * ms}
	limited := Input{Attempt: 4, Prev: 300 * ms, Classification: retryAfter(2 * time.Second)}
	tests := []struct {
		name string
		give Strategy
		in   Input
	}{
		{name: "Constant", give: Constant(time.Second), in: plain},
		{name: "Exponential", give: Exponential(100*ms, 10*time.Second), in: plain},
		{name: "FullJitter", give: FullJitter(100*ms, 10*time.Second), in: plain},
		{name: "FullJitter seeded", give: FullJitter(100*ms, 10*time.Second, WithSeed(1)), in: plain},
		{name: "EqualJitter", give: EqualJitter(100*ms, 10*time.Second), in: plain},
		{name: "EqualJitter seeded", give: EqualJitter(100*ms, 10*time.Second, WithSeed(1)), in: plain},
		{name: "DecorrelatedJitter", give: DecorrelatedJitter(100*ms, 10*time.Second), in: plain},
		{name: "DecorrelatedJitter seeded", give: DecorrelatedJitter(100*ms, 10*time.Second, WithSeed(1)), in: plain},
		{name: "Token", give: Token(100*ms, 10*time.Second), in: plain},
		{name: "Token seeded", give: Token(100*ms, 10*time.Second, WithSeed(1)), in: plain},
		{name: "RetryAfterOr fallback", give: RetryAfterOr(FullJitter(100*ms, 10*time.Second)), in: plain},
		{name: "RetryAfterOr", give: RetryAfterOr(FullJitter(100*ms, 10*time.Second)), in: limited},
		{name: "RetryAfterOr seeded", give: RetryAfterOr(Constant(0), WithSeed(1)), in: limited},
		{name: "Capped", give: Capped(Exponential(100*ms, 10*time.Second), time.Second), in: plain},
		{name: "Capped RetryAfterOr", give: Capped(RetryAfterOr(Constant(0)), time.Minute), in: limited},
		{name: "Adaptive", give: Adaptive(Exponential(100*ms, 10*time.Second), WithMaxFactor(4)), in: plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := testing.AllocsPerRun(100, func() { tt.give.Delay(tt.in) })
			if diff := cmp.Diff(0.0, got); diff != "" {
				t.Errorf("allocations per Delay mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
