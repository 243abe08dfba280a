package throttle_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

// FuzzProbability drives a throttle with any K, padding, window and
// sequence of requests, outcomes and clock moves. Whatever they are, it
// never panics, the probability stays within [0, 1], and an invalid
// configuration is reported and refuses everything.
//
// Each byte of ops is one step: its low two bits choose Allow, an
// accepted Record, a failed Record or a clock move of the rest of the
// byte in tenths of the window's bucket.
func FuzzProbability(f *testing.F) {
	// The table cases of TestProbabilityFollowsTheFormula and the
	// invalid options of TestNewReportsInvalidOptions.
	f.Add(2.0, 8.0, int64(2*time.Minute), []byte{1, 1, 2, 2, 0, 0})
	f.Add(2.0, 1.0, int64(2*time.Minute), []byte{2, 0, 0, 0, 0})
	f.Add(2.0, 0.0, int64(2*time.Minute), []byte{2, 0, 0})
	f.Add(1.5, 8.0, int64(time.Second), []byte{1, 2, 2, 3 | 60<<2, 0})
	f.Add(1.0, 1000.0, int64(12), []byte{2, 2, 2, 1, 255, 0})
	f.Add(0.5, 8.0, int64(time.Minute), []byte{0})
	f.Add(math.NaN(), math.Inf(1), int64(11), []byte{1})
	f.Add(2.0, -1.0, int64(-1), []byte{})
	f.Fuzz(func(t *testing.T, k, padding float64, window int64, ops []byte) {
		clk := redresstest.NewClock(start)
		th := throttle.New(throttle.WithK(k), throttle.WithPadding(padding),
			throttle.WithWindow(time.Duration(window)), throttle.WithClock(clk), throttle.WithSeed(1))
		valid := k >= 1 && !math.IsInf(k, 0) && padding >= 0 && !math.IsInf(padding, 0) && window >= 12
		if err := th.Err(); (err == nil) != valid {
			t.Fatalf("K %v, padding %v, window %v: Err() = %v, want an error: %v", k, padding, window, err, !valid)
		}
		if err := th.Err(); err != nil && !errors.Is(err, throttle.ErrInvalidConfig) {
			t.Fatalf("Err() = %v, want an error wrapping ErrInvalidConfig", err)
		}
		bucket := time.Duration(max(window, 12) / 12)
		for _, op := range ops {
			switch op & 3 {
			case 0:
				if th.Allow() && !valid {
					t.Fatal("Allow() = true on an invalid throttle")
				}
			case 1:
				th.Record(true)
			case 2:
				th.Record(false)
			case 3:
				clk.Advance(bucket * time.Duration(op>>2) / 10)
			}
			p := th.Probability()
			if !(p >= 0 && p <= 1) {
				t.Fatalf("Probability() = %v, want within [0, 1]", p)
			}
			if !valid && p != 1 {
				t.Fatalf("Probability() = %v on an invalid throttle, want 1", p)
			}
		}
	})
}
