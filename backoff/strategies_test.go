package backoff

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// boundsCase is one row of a strategy's table: the constructor's
// arguments, the Input, and the closed interval every delay must fall in.
// The same rows seed the fuzz tests.
type boundsCase struct {
	name    string
	base    time.Duration
	max     time.Duration
	attempt int
	prev    time.Duration
	wantLo  time.Duration
	wantHi  time.Duration
	seed    uint64 // the seed the table test uses
}

const (
	maxDuration = time.Duration(math.MaxInt64)
	ms          = time.Millisecond
)

// checkBounds draws many delays from s for in and fails unless each lies
// in [lo, hi].
func checkBounds(t *testing.T, s Strategy, in Input, lo, hi time.Duration) {
	t.Helper()
	for i := range 500 {
		if d := s.Delay(in); d < lo || d > hi {
			t.Fatalf("draw %d: Delay(%+v) = %v, want within [%v, %v]", i, in, d, lo, hi)
		}
	}
}

var exponentialCases = []boundsCase{
	{name: "attempt 1 is base", base: 100 * ms, max: time.Second, attempt: 1, wantLo: 100 * ms, wantHi: 100 * ms},
	{name: "attempt 2 doubles", base: 100 * ms, max: time.Second, attempt: 2, wantLo: 200 * ms, wantHi: 200 * ms},
	{name: "attempt 3", base: 100 * ms, max: time.Second, attempt: 3, wantLo: 400 * ms, wantHi: 400 * ms},
	{name: "attempt 4", base: 100 * ms, max: time.Second, attempt: 4, wantLo: 800 * ms, wantHi: 800 * ms},
	{name: "attempt 5 reaches max", base: 100 * ms, max: time.Second, attempt: 5, wantLo: time.Second, wantHi: time.Second},
	{name: "attempt 0 counts as 1", base: 100 * ms, max: time.Second, attempt: 0, wantLo: 100 * ms, wantHi: 100 * ms},
	{name: "negative attempt counts as 1", base: 100 * ms, max: time.Second, attempt: -7, wantLo: 100 * ms, wantHi: 100 * ms},
	{name: "smallest attempt counts as 1", base: 100 * ms, max: time.Second, attempt: math.MinInt, wantLo: 100 * ms, wantHi: 100 * ms},
	{name: "attempt 63 saturates", base: 100 * ms, max: time.Second, attempt: 63, wantLo: time.Second, wantHi: time.Second},
	{name: "attempt 64 saturates", base: 100 * ms, max: time.Second, attempt: 64, wantLo: time.Second, wantHi: time.Second},
	{name: "largest attempt saturates", base: 100 * ms, max: time.Second, attempt: math.MaxInt, wantLo: time.Second, wantHi: time.Second},
	{name: "1ns doubled 62 times", base: 1, max: maxDuration, attempt: 63, wantLo: 1 << 62, wantHi: 1 << 62},
	{name: "1ns doubled 63 times saturates", base: 1, max: maxDuration, attempt: 64, wantLo: maxDuration, wantHi: maxDuration},
	{name: "doubling a huge base saturates", base: maxDuration/2 + 1, max: maxDuration, attempt: 2, wantLo: maxDuration, wantHi: maxDuration},
	{name: "base equals max", base: time.Second, max: time.Second, attempt: 10, wantLo: time.Second, wantHi: time.Second},
	{name: "max not a power of two times base", base: 1, max: 3, attempt: 2, wantLo: 2, wantHi: 2},
	{name: "max below base counts as base", base: time.Second, max: 0, attempt: 3, wantLo: time.Second, wantHi: time.Second},
	{name: "negative base counts as 0", base: -time.Second, max: time.Second, attempt: 3, wantLo: 0, wantHi: 0},
	{name: "zero base", base: 0, max: time.Second, attempt: 3, wantLo: 0, wantHi: 0},
}

func TestExponential(t *testing.T) {
	for _, tt := range exponentialCases {
		t.Run(tt.name, func(t *testing.T) {
			got := Exponential(tt.base, tt.max).Delay(Input{Attempt: tt.attempt, Prev: tt.prev})
			if diff := cmp.Diff(tt.wantLo, got); diff != "" {
				t.Errorf("Delay() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConstant(t *testing.T) {
	tests := []struct {
		name string
		give time.Duration
		in   Input
		want time.Duration
	}{
		{name: "first attempt", give: time.Second, in: Input{Attempt: 1}, want: time.Second},
		{name: "later attempt", give: time.Second, in: Input{Attempt: 1000, Prev: time.Hour}, want: time.Second},
		{name: "zero", give: 0, in: Input{Attempt: 2}, want: 0},
		{name: "negative counts as 0", give: -time.Second, in: Input{Attempt: 2}, want: 0},
		{name: "largest", give: maxDuration, in: Input{Attempt: 2}, want: maxDuration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Constant(tt.give).Delay(tt.in)); diff != "" {
				t.Errorf("Delay() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var fullJitterCases = []boundsCase{
	{name: "attempt 1", base: 100 * ms, max: time.Second, attempt: 1, wantLo: 0, wantHi: 100 * ms, seed: 1},
	{name: "attempt 2", base: 100 * ms, max: time.Second, attempt: 2, wantLo: 0, wantHi: 200 * ms, seed: 2},
	{name: "attempt 3", base: 100 * ms, max: time.Second, attempt: 3, wantLo: 0, wantHi: 400 * ms, seed: 3},
	{name: "attempt 4", base: 100 * ms, max: time.Second, attempt: 4, wantLo: 0, wantHi: 800 * ms, seed: 4},
	{name: "attempt 5 reaches max", base: 100 * ms, max: time.Second, attempt: 5, wantLo: 0, wantHi: time.Second, seed: 5},
	{name: "attempt 0 counts as 1", base: 100 * ms, max: time.Second, attempt: 0, wantLo: 0, wantHi: 100 * ms, seed: 6},
	{name: "negative attempt counts as 1", base: 100 * ms, max: time.Second, attempt: -1, wantLo: 0, wantHi: 100 * ms, seed: 7},
	{name: "largest attempt saturates", base: 100 * ms, max: time.Second, attempt: math.MaxInt, wantLo: 0, wantHi: time.Second, seed: 8},
	{name: "largest cap", base: 1, max: maxDuration, attempt: math.MaxInt, wantLo: 0, wantHi: maxDuration, seed: 9},
	{name: "largest base", base: maxDuration, max: maxDuration, attempt: 1, wantLo: 0, wantHi: maxDuration, seed: 14},
	{name: "base equals max", base: time.Second, max: time.Second, attempt: 4, wantLo: 0, wantHi: time.Second, seed: 10},
	{name: "max below base counts as base", base: time.Second, max: ms, attempt: 4, wantLo: 0, wantHi: time.Second, seed: 11},
	{name: "negative base counts as 0", base: -time.Second, max: time.Second, attempt: 4, wantLo: 0, wantHi: 0, seed: 12},
	{name: "ignores prev", base: 100 * ms, max: time.Second, attempt: 1, prev: time.Hour, wantLo: 0, wantHi: 100 * ms, seed: 13},
}

func TestFullJitter(t *testing.T) {
	for _, tt := range fullJitterCases {
		t.Run(tt.name, func(t *testing.T) {
			s := FullJitter(tt.base, tt.max, WithSeed(tt.seed))
			checkBounds(t, s, Input{Attempt: tt.attempt, Prev: tt.prev}, tt.wantLo, tt.wantHi)
		})
	}
}

var equalJitterCases = []boundsCase{
	{name: "attempt 1", base: 100 * ms, max: time.Second, attempt: 1, wantLo: 50 * ms, wantHi: 100 * ms, seed: 1},
	{name: "attempt 2", base: 100 * ms, max: time.Second, attempt: 2, wantLo: 100 * ms, wantHi: 200 * ms, seed: 2},
	{name: "attempt 4", base: 100 * ms, max: time.Second, attempt: 4, wantLo: 400 * ms, wantHi: 800 * ms, seed: 3},
	{name: "attempt 5 reaches max", base: 100 * ms, max: time.Second, attempt: 5, wantLo: 500 * ms, wantHi: time.Second, seed: 4},
	{name: "attempt 0 counts as 1", base: 100 * ms, max: time.Second, attempt: 0, wantLo: 50 * ms, wantHi: 100 * ms, seed: 5},
	{name: "largest attempt saturates", base: 100 * ms, max: time.Second, attempt: math.MaxInt, wantLo: 500 * ms, wantHi: time.Second, seed: 6},
	{name: "largest cap", base: 1, max: maxDuration, attempt: 100, wantLo: maxDuration / 2, wantHi: maxDuration, seed: 7},
	{name: "largest base", base: maxDuration, max: maxDuration, attempt: 1, wantLo: maxDuration / 2, wantHi: maxDuration, seed: 12},
	{name: "odd cap rounds half down", base: 3, max: 3, attempt: 1, wantLo: 1, wantHi: 3, seed: 8},
	{name: "base equals max", base: time.Second, max: time.Second, attempt: 3, wantLo: 500 * ms, wantHi: time.Second, seed: 9},
	{name: "max below base counts as base", base: time.Second, max: -time.Second, attempt: 3, wantLo: 500 * ms, wantHi: time.Second, seed: 10},
	{name: "negative base counts as 0", base: -1, max: time.Second, attempt: 3, wantLo: 0, wantHi: 0, seed: 11},
}

func TestEqualJitter(t *testing.T) {
	for _, tt := range equalJitterCases {
		t.Run(tt.name, func(t *testing.T) {
			s := EqualJitter(tt.base, tt.max, WithSeed(tt.seed))
			checkBounds(t, s, Input{Attempt: tt.attempt, Prev: tt.prev}, tt.wantLo, tt.wantHi)
		})
	}
}

var decorrelatedJitterCases = []boundsCase{
	{name: "first retry uses base", base: 100 * ms, max: time.Second, attempt: 1, prev: 0, wantLo: 100 * ms, wantHi: 300 * ms, seed: 1},
	{name: "prev below base uses base", base: 100 * ms, max: time.Second, attempt: 2, prev: 50 * ms, wantLo: 100 * ms, wantHi: 300 * ms, seed: 2},
	{name: "grows from prev", base: 100 * ms, max: time.Second, attempt: 2, prev: 200 * ms, wantLo: 100 * ms, wantHi: 600 * ms, seed: 3},
	{name: "capped at max", base: 100 * ms, max: time.Second, attempt: 3, prev: 400 * ms, wantLo: 100 * ms, wantHi: time.Second, seed: 4},
	{name: "prev above max", base: 100 * ms, max: time.Second, attempt: 3, prev: time.Hour, wantLo: 100 * ms, wantHi: time.Second, seed: 5},
	{name: "largest prev", base: 100 * ms, max: time.Second, attempt: 3, prev: maxDuration, wantLo: 100 * ms, wantHi: time.Second, seed: 6},
	{name: "negative prev uses base", base: 100 * ms, max: time.Second, attempt: 3, prev: -time.Hour, wantLo: 100 * ms, wantHi: 300 * ms, seed: 7},
	{name: "ignores attempt", base: 100 * ms, max: time.Second, attempt: math.MaxInt, prev: 0, wantLo: 100 * ms, wantHi: 300 * ms, seed: 8},
	{name: "largest max", base: 1, max: maxDuration, attempt: 3, prev: maxDuration, wantLo: 1, wantHi: maxDuration, seed: 9},
	{name: "largest base", base: maxDuration, max: maxDuration, attempt: 3, prev: 0, wantLo: maxDuration, wantHi: maxDuration, seed: 13},
	{name: "base equals max", base: time.Second, max: time.Second, attempt: 3, prev: 0, wantLo: time.Second, wantHi: time.Second, seed: 10},
	{name: "max below base counts as base", base: time.Second, max: ms, attempt: 3, prev: 0, wantLo: time.Second, wantHi: time.Second, seed: 11},
	{name: "negative base counts as 0", base: -time.Second, max: time.Second, attempt: 3, prev: 0, wantLo: 0, wantHi: 0, seed: 12},
}

func TestDecorrelatedJitter(t *testing.T) {
	for _, tt := range decorrelatedJitterCases {
		t.Run(tt.name, func(t *testing.T) {
			s := DecorrelatedJitter(tt.base, tt.max, WithSeed(tt.seed))
			checkBounds(t, s, Input{Attempt: tt.attempt, Prev: tt.prev}, tt.wantLo, tt.wantHi)
		})
	}
}

var tokenCases = []boundsCase{
	{name: "attempt 1 caps at 1.5 base", base: time.Second, max: 10 * time.Second, attempt: 1, wantLo: 750 * ms, wantHi: 1500 * ms, seed: 1},
	{name: "attempt 2", base: time.Second, max: 10 * time.Second, attempt: 2, wantLo: 1125 * ms, wantHi: 2250 * ms, seed: 2},
	{name: "attempt 3", base: time.Second, max: 10 * time.Second, attempt: 3, wantLo: 1687500 * time.Microsecond, wantHi: 3375 * ms, seed: 3},
	{name: "attempt 4", base: time.Second, max: 10 * time.Second, attempt: 4, wantLo: 2531250 * time.Microsecond, wantHi: 5062500 * time.Microsecond, seed: 4},
	{name: "attempt 5", base: time.Second, max: 10 * time.Second, attempt: 5, wantLo: 3796875 * time.Microsecond, wantHi: 7593750 * time.Microsecond, seed: 5},
	{name: "attempt 6 reaches max", base: time.Second, max: 10 * time.Second, attempt: 6, wantLo: 5 * time.Second, wantHi: 10 * time.Second, seed: 6},
	{name: "attempt 0 counts as 1", base: time.Second, max: 10 * time.Second, attempt: 0, wantLo: 750 * ms, wantHi: 1500 * ms, seed: 7},
	{name: "largest attempt saturates", base: time.Second, max: 10 * time.Second, attempt: math.MaxInt, wantLo: 5 * time.Second, wantHi: 10 * time.Second, seed: 8},
	{name: "largest cap", base: 1, max: maxDuration, attempt: math.MaxInt, wantLo: maxDuration / 2, wantHi: maxDuration, seed: 9},
	{name: "largest base", base: maxDuration, max: maxDuration, attempt: 1, wantLo: maxDuration / 2, wantHi: maxDuration, seed: 14},
	{name: "largest base grown", base: maxDuration, max: maxDuration, attempt: 2, wantLo: maxDuration / 2, wantHi: maxDuration, seed: 15},
	{name: "base rounding up to 2^63", base: maxDuration - 100, max: maxDuration, attempt: 1, wantLo: maxDuration / 2, wantHi: maxDuration, seed: 16},
	{name: "1ns grows", base: 1, max: time.Second, attempt: 3, wantLo: 1, wantHi: 3, seed: 10},
	{name: "base equals max", base: time.Second, max: time.Second, attempt: 5, wantLo: 500 * ms, wantHi: time.Second, seed: 11},
	{name: "max below base counts as base", base: time.Second, max: 0, attempt: 5, wantLo: 500 * ms, wantHi: time.Second, seed: 12},
	{name: "negative base counts as 0", base: -time.Second, max: time.Second, attempt: 5, wantLo: 0, wantHi: 0, seed: 13},
}

func TestToken(t *testing.T) {
	for _, tt := range tokenCases {
		t.Run(tt.name, func(t *testing.T) {
			s := Token(tt.base, tt.max, WithSeed(tt.seed))
			checkBounds(t, s, Input{Attempt: tt.attempt, Prev: tt.prev}, tt.wantLo, tt.wantHi)
		})
	}
}

// TestJitterSpansRange checks that draws are not squeezed into part of
// their interval: across 2,000 seeded draws the smallest lands in the
// interval's lowest twentieth and the largest in its highest.
func TestJitterSpansRange(t *testing.T) {
	tests := []struct {
		name   string
		give   Strategy
		in     Input
		wantLo time.Duration
		wantHi time.Duration
	}{
		{name: "full", give: FullJitter(time.Second, time.Minute, WithSeed(1)), in: Input{Attempt: 3}, wantLo: 0, wantHi: 4 * time.Second},
		{name: "equal", give: EqualJitter(time.Second, time.Minute, WithSeed(1)), in: Input{Attempt: 3}, wantLo: 2 * time.Second, wantHi: 4 * time.Second},
		{name: "decorrelated", give: DecorrelatedJitter(time.Second, time.Minute, WithSeed(1)), in: Input{Attempt: 3, Prev: 2 * time.Second}, wantLo: time.Second, wantHi: 6 * time.Second},
		{name: "token", give: Token(time.Second, time.Minute, WithSeed(1)), in: Input{Attempt: 3}, wantLo: 1687500 * time.Microsecond, wantHi: 3375 * ms},
		{name: "retry-after", give: RetryAfterOr(Constant(0), WithSeed(1)), in: Input{Attempt: 3, Classification: retryAfter(time.Second)}, wantLo: time.Second, wantHi: time.Second + RetryAfterJitter},
		{name: "full tiny", give: FullJitter(1, 1, WithSeed(1)), in: Input{Attempt: 1}, wantLo: 0, wantHi: 1},
		{name: "equal tiny", give: EqualJitter(2, 2, WithSeed(1)), in: Input{Attempt: 1}, wantLo: 1, wantHi: 2},
		{name: "decorrelated tiny", give: DecorrelatedJitter(1, 3, WithSeed(1)), in: Input{Attempt: 1}, wantLo: 1, wantHi: 3},
		{name: "token tiny", give: Token(2, 2, WithSeed(1)), in: Input{Attempt: 1}, wantLo: 1, wantHi: 2},
		{name: "retry-after tiny", give: RetryAfterOr(Constant(0), WithSeed(1)), in: Input{Attempt: 1, Classification: retryAfter(1)}, wantLo: 1, wantHi: 1 + RetryAfterJitter},
		{name: "full unseeded", give: FullJitter(time.Second, time.Minute), in: Input{Attempt: 3}, wantLo: 0, wantHi: 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := maxDuration, time.Duration(-1)
			for range 2000 {
				d := tt.give.Delay(tt.in)
				lo, hi = min(lo, d), max(hi, d)
			}
			slack := (tt.wantHi - tt.wantLo) / 20
			if lo < tt.wantLo || lo > tt.wantLo+slack {
				t.Errorf("smallest draw = %v, want within [%v, %v]", lo, tt.wantLo, tt.wantLo+slack)
			}
			if hi > tt.wantHi || hi < tt.wantHi-slack {
				t.Errorf("largest draw = %v, want within [%v, %v]", hi, tt.wantHi-slack, tt.wantHi)
			}
		})
	}
}
