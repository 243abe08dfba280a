package backoff_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/backoff"
)

func TestAdaptiveRisesAndRecovers(t *testing.T) {
	a := backoff.Adaptive(backoff.Constant(100*time.Millisecond),
		backoff.AdaptiveConfig{Threshold: 0.6, Multiplier: 2, Recovery: 0.5, MaxFactor: 8, Memory: 2})
	steps := []struct {
		give bool
		want time.Duration // the delay after the outcome
	}{
		{false, 200 * time.Millisecond}, // success rate 0.5
		{false, 400 * time.Millisecond}, // 0.25
		{false, 800 * time.Millisecond}, // 0.125
		{false, 800 * time.Millisecond}, // capped at 8
		{true, 800 * time.Millisecond},  // rate 0.53, still below 0.6: no relief yet
		{true, 450 * time.Millisecond},  // rate 0.77: 8 → 4.5
		{true, 275 * time.Millisecond},  // 4.5 → 2.75
		{true, 187500 * time.Microsecond},
	}
	var got, want []time.Duration
	for _, s := range steps {
		a.Record(s.give)
		got = append(got, a.Delay(backoff.Input{Attempt: 1}))
		want = append(want, s.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
	for range 100 {
		a.Record(true)
	}
	if f := a.Factor(); f < 1 || f > 1.0001 {
		t.Errorf("Factor() after 100 successes = %v, want back to about 1", f)
	}
}

func TestAdaptiveDefaultsAndConcurrency(t *testing.T) {
	a := backoff.Adaptive(backoff.Constant(time.Second), backoff.AdaptiveConfig{})
	if a.Err() != nil || a.Factor() != 1 || a.SuccessRate() != 1 {
		t.Fatalf("new strategy: err %v, factor %v, rate %v; want nil, 1, 1", a.Err(), a.Factor(), a.SuccessRate())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				a.Record(false)
				a.Delay(backoff.Input{Attempt: 1})
			}
		})
	}
	wg.Wait()
	if a.Factor() != 16 || a.SuccessRate() > 0.01 {
		t.Errorf("after 4,000 failures: factor %v, rate %v; want 16 (the default cap) and about 0", a.Factor(), a.SuccessRate())
	}
}

func TestAdaptiveConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		give backoff.AdaptiveConfig
		want string
	}{
		{"threshold", backoff.AdaptiveConfig{Threshold: 1.5}, "backoff: Adaptive: Threshold must be in (0, 1]"},
		{"multiplier", backoff.AdaptiveConfig{Multiplier: 0.5}, "backoff: Adaptive: Multiplier must be greater than 1"},
		{"recovery", backoff.AdaptiveConfig{Recovery: -1}, "backoff: Adaptive: Recovery must be in (0, 1]"},
		{"max factor", backoff.AdaptiveConfig{MaxFactor: 0.5}, "backoff: Adaptive: MaxFactor must be at least 1"},
		{"memory", backoff.AdaptiveConfig{Memory: -1}, "backoff: Adaptive: Memory must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := backoff.Adaptive(backoff.Constant(time.Second), tt.give)
			if a.Err() == nil || a.Err().Error() != tt.want {
				t.Errorf("Err() = %v, want %q", a.Err(), tt.want)
			}
			a.Record(false)
			if got := a.Delay(backoff.Input{Attempt: 1}); got != time.Second {
				t.Errorf("an invalid strategy delays %v, want the base's 1s", got)
			}
		})
	}
}

func FuzzAdaptiveDelayBounds(f *testing.F) {
	f.Add(uint64(0b1010), int64(time.Second))
	f.Add(uint64(0), int64(0))
	f.Add(^uint64(0), int64(1<<62))
	f.Fuzz(func(t *testing.T, outcomes uint64, base int64) {
		if base < 0 {
			base = -base
		}
		a := backoff.Adaptive(backoff.Constant(time.Duration(base)), backoff.AdaptiveConfig{})
		for i := range 64 {
			a.Record(outcomes&(1<<i) != 0)
			d := a.Delay(backoff.Input{Attempt: 1})
			if d < time.Duration(base) || (base > 0 && float64(d) > 16*float64(base)+1) {
				t.Fatalf("delay %v outside [base, 16·base] for base %v", d, time.Duration(base))
			}
		}
	})
}
