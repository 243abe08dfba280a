package backoff_test

import (
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
)

func TestAdaptiveRisesAndRecovers(t *testing.T) {
	a := backoff.Adaptive(backoff.Constant(100*time.Millisecond),
		backoff.WithThreshold(0.6), backoff.WithMultiplier(2), backoff.WithRecovery(0.5),
		backoff.WithMaxFactor(8), backoff.WithMemory(2))
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
	a := backoff.Adaptive(backoff.Constant(time.Second))
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

func TestAdaptiveOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		base backoff.Strategy
		give []backoff.AdaptiveOption
		want string
	}{
		{"threshold above 1", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithThreshold(1.5)},
			"invalid backoff configuration: backoff.Adaptive: WithThreshold(1.5): the threshold must be in (0, 1]"},
		{"threshold 0", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithThreshold(0)},
			"invalid backoff configuration: backoff.Adaptive: WithThreshold(0): the threshold must be in (0, 1]"},
		{"multiplier", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithMultiplier(0.5)},
			"invalid backoff configuration: backoff.Adaptive: WithMultiplier(0.5): the multiplier must be finite and greater than 1"},
		{"infinite multiplier", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithMultiplier(math.Inf(1))},
			"invalid backoff configuration: backoff.Adaptive: WithMultiplier(+Inf): the multiplier must be finite and greater than 1"},
		{"recovery", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithRecovery(-1)},
			"invalid backoff configuration: backoff.Adaptive: WithRecovery(-1): the recovery must be in (0, 1]"},
		{"max factor", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithMaxFactor(0.5)},
			"invalid backoff configuration: backoff.Adaptive: WithMaxFactor(0.5): the factor must be finite and at least 1"},
		{"NaN max factor", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithMaxFactor(math.NaN())},
			"invalid backoff configuration: backoff.Adaptive: WithMaxFactor(NaN): the factor must be finite and at least 1"},
		{"memory", backoff.Constant(time.Second), []backoff.AdaptiveOption{backoff.WithMemory(0)},
			"invalid backoff configuration: backoff.Adaptive: WithMemory(0): the memory must be at least 1"},
		{"nil option", backoff.Constant(time.Second), []backoff.AdaptiveOption{nil},
			"invalid backoff configuration: backoff.Adaptive: an option is nil"},
		{"every error", nil, []backoff.AdaptiveOption{backoff.WithMemory(-1), backoff.WithThreshold(2)},
			"invalid backoff configuration: backoff.Adaptive: the base strategy is nil\n" +
				"invalid backoff configuration: backoff.Adaptive: WithMemory(-1): the memory must be at least 1\n" +
				"invalid backoff configuration: backoff.Adaptive: WithThreshold(2): the threshold must be in (0, 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := backoff.Adaptive(tt.base, tt.give...)
			if a.Err() == nil || a.Err().Error() != tt.want {
				t.Errorf("Err() = %v, want %q", a.Err(), tt.want)
			}
			if !errors.Is(a.Err(), backoff.ErrInvalidConfig) {
				t.Errorf("Err() = %v, does not wrap ErrInvalidConfig", a.Err())
			}
			a.Record(false)
			want := time.Second
			if tt.base == nil {
				want = 0
			}
			if got := a.Delay(backoff.Input{Attempt: 1}); got != want {
				t.Errorf("an invalid strategy delays %v, want the base's %v", got, want)
			}
		})
	}
}

func TestAdaptiveRepeatedOptionReplaces(t *testing.T) {
	a := backoff.Adaptive(backoff.Constant(time.Second), backoff.WithMaxFactor(2), backoff.WithMaxFactor(3))
	for range 10 {
		a.Record(false)
	}
	if a.Err() != nil || a.Factor() != 3 {
		t.Errorf("factor %v, err %v; want 3 (the last WithMaxFactor), nil", a.Factor(), a.Err())
	}
}

// TestAdaptiveLeavesServerWaits checks that the factor stretches only
// the delays the base computes, not a server's Retry-After.
func TestAdaptiveLeavesServerWaits(t *testing.T) {
	a := backoff.Adaptive(backoff.RetryAfterOr(backoff.Constant(100*time.Millisecond), backoff.WithSeed(1)),
		backoff.WithMemory(1), backoff.WithMaxFactor(4))
	a.Record(false)
	a.Record(false)
	own, ownServer := a.DelaySource(backoff.Input{Attempt: 1})
	server, fromServer := a.DelaySource(backoff.Input{Attempt: 1, Classification: classifier.Classification{Class: classifier.RateLimit, RetryAfter: time.Second}})
	if own != 400*time.Millisecond || ownServer {
		t.Errorf("own delay %v, %v; want 400ms (factor 4), false", own, ownServer)
	}
	if server < time.Second || server > time.Second+backoff.RetryAfterJitter || !fromServer {
		t.Errorf("server's delay %v, %v; want 1s plus jitter, unscaled, true", server, fromServer)
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
		a := backoff.Adaptive(backoff.Constant(time.Duration(base)))
		for i := range 64 {
			a.Record(outcomes&(1<<i) != 0)
			d := a.Delay(backoff.Input{Attempt: 1})
			if d < time.Duration(base) || (base > 0 && float64(d) > 16*float64(base)+1) {
				t.Fatalf("delay %v outside [base, 16·base] for base %v", d, time.Duration(base))
			}
		}
	})
}
