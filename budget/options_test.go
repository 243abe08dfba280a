package budget

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// invalidBudget is what every kind offers to report its configuration.
type invalidBudget interface {
	Budget
	Err() error
	Remaining() int
}

func TestInvalidConfig(t *testing.T) {
	tests := []struct {
		name     string
		give     invalidBudget
		wantText string // the bad argument or option, named in the error
	}{
		{"negative maxRetries", New(-1, time.Minute), "maxRetries is -1"},
		{"zero window", New(1, 0), "window is 0s"},
		{"negative window", New(1, -time.Second), "window is -1s"},
		{"nil clock", New(1, time.Minute, WithClock(nil)), "WithClock: clock is nil"},
		{"zero buckets", New(1, time.Minute, WithBuckets(0)), "WithBuckets: n is 0"},
		{"too many buckets", New(1, time.Minute, WithBuckets(1025)), "WithBuckets: n is 1025"},
		{"TTL given to New", New(1, time.Minute, WithTTL(time.Second)), "budget.New: WithTTL does not apply"},
		{"minimum given to New", New(1, time.Minute, WithMinPerSecond(1)), "budget.New: WithMinPerSecond does not apply"},
		{"first problem wins", New(1, time.Minute, WithBuckets(-2), WithClock(nil)), "WithBuckets: n is -2"},
		{"argument before option", New(-3, time.Minute, WithClock(nil)), "maxRetries is -3"},

		{"negative ratio", NewRatio(-0.1), "ratio is -0.1"},
		{"ratio too large", NewRatio(1001), "ratio is 1001"},
		{"NaN ratio", NewRatio(math.NaN()), "ratio is NaN"},
		{"zero TTL", NewRatio(0.2, WithTTL(0)), "WithTTL: ttl is 0s"},
		{"negative minimum", NewRatio(0.2, WithMinPerSecond(-1)), "WithMinPerSecond: n is -1"},
		{"NaN minimum", NewRatio(0.2, WithMinPerSecond(math.NaN())), "WithMinPerSecond: n is NaN"},
		{"infinite minimum", NewRatio(0.2, WithMinPerSecond(math.Inf(1))), "WithMinPerSecond: n is +Inf"},
		{"reserve too large", NewRatio(0.2, WithMinPerSecond(1e12), WithTTL(time.Minute)), "reserve of 6e+13 retries"},
		{"nil clock for Ratio", NewRatio(0.2, WithClock(nil)), "WithClock: clock is nil"},

		{"zero maxTokens", NewTokenBucket(0, 1), "maxTokens is 0"},
		{"maxTokens below a thousandth", NewTokenBucket(0.0004, 1), "maxTokens is 0.0004"},
		{"negative maxTokens", NewTokenBucket(-4, 1), "maxTokens is -4"},
		{"maxTokens too large", NewTokenBucket(2e9, 1), "maxTokens is 2e+09"},
		{"NaN maxTokens", NewTokenBucket(math.NaN(), 1), "maxTokens is NaN"},
		{"zero tokenRatio", NewTokenBucket(4, 0), "tokenRatio is 0"},
		{"infinite tokenRatio", NewTokenBucket(4, math.Inf(1)), "tokenRatio is +Inf"},
		{"buckets given to NewTokenBucket", NewTokenBucket(4, 1, WithBuckets(3)), "budget.NewTokenBucket: WithBuckets does not apply"},
		{"nil clock for TokenBucket", NewTokenBucket(4, 1, WithClock(nil)), "WithClock: clock is nil"},

		{"negative capacity", NewQuota(WithCapacity(-1)), "WithCapacity: tokens is -1"},
		{"capacity too large", NewQuota(WithCapacity(1e12 + 1)), "WithCapacity: tokens is 1000000000001"},
		{"negative retry cost", NewQuota(WithRetryCost(-14)), "WithRetryCost: tokens is -14"},
		{"negative timeout cost", NewQuota(WithTimeoutCost(-10)), "WithTimeoutCost: tokens is -10"},
		{"negative throttle cost", NewQuota(WithThrottleCost(-5)), "WithThrottleCost: tokens is -5"},
		{"negative increment", NewQuota(WithNoRetryIncrement(-1)), "WithNoRetryIncrement: tokens is -1"},
		{"TTL given to NewQuota", NewQuota(WithTTL(time.Second)), "budget.NewQuota: WithTTL does not apply"},
		{"capacity given to New", New(1, time.Minute, WithCapacity(5)), "budget.New: WithCapacity does not apply"},
		{"retry cost given to NewTokenBucket", NewTokenBucket(4, 1, WithRetryCost(5)), "budget.NewTokenBucket: WithRetryCost does not apply"},
		{"throttle cost given to NewRatio", NewRatio(0.2, WithThrottleCost(5)), "budget.NewRatio: WithThrottleCost does not apply"},
		{"nil clock for Quota", NewQuota(WithClock(nil)), "WithClock: clock is nil"},
		{"nil option for Quota", NewQuota(WithCapacity(5), nil), "budget.NewQuota: option 2 of 2 is nil"},

		{"nil option for Window", New(1, time.Minute, WithBuckets(2), nil), "budget.New: option 2 of 2 is nil"},
		{"nil option for Ratio", NewRatio(0.2, nil, WithTTL(time.Second)), "budget.NewRatio: option 1 of 2 is nil"},
		{"nil option for TokenBucket", NewTokenBucket(4, 1, nil), "budget.NewTokenBucket: option 1 of 1 is nil"},
		{"nil option after a bad one", New(1, time.Minute, WithBuckets(0), nil), "WithBuckets: n is 0"},

		{"zero Window", &Window{}, "Window not made by New"},
		{"zero Ratio", &Ratio{}, "Ratio not made by NewRatio"},
		{"zero TokenBucket", &TokenBucket{}, "TokenBucket not made by NewTokenBucket"},
		{"zero Quota", &Quota{}, "Quota not made by NewQuota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give.Err()
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Err() = %v, want an error wrapping ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Err() = %q, want it to name %q", err, tt.wantText)
			}
			ok, aerr := tt.give.AllowRetry(context.Background())
			if ok || aerr != err {
				t.Errorf("AllowRetry() = %t, %v; want false, %v (fail closed)", ok, aerr, err)
			}
			if l, isLearner := tt.give.(Learner); isLearner {
				l.RecordRequest() // must not panic
				l.RecordOutcome(false)
				l.RecordOutcome(true)
			}
			if got := tt.give.Remaining(); got != 0 {
				t.Errorf("Remaining() = %d, want 0", got)
			}
		})
	}
}

func TestValidConfig(t *testing.T) {
	clk := newFakeClock()
	tests := []struct {
		name string
		give invalidBudget
	}{
		{"Window", New(0, time.Nanosecond, WithClock(clk), WithBuckets(1024))},
		{"Ratio", NewRatio(1000, WithClock(clk), WithBuckets(1), WithTTL(time.Nanosecond), WithMinPerSecond(0))},
		{"TokenBucket", NewTokenBucket(1e9, 1e9, WithClock(clk))},
		{"Quota", NewQuota(WithClock(clk), WithCapacity(1e12), WithRetryCost(0), WithTimeoutCost(1e12), WithThrottleCost(0), WithNoRetryIncrement(1e12))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.give.Err(); err != nil {
				t.Errorf("Err() = %v, want nil", err)
			}
			if _, err := tt.give.AllowRetry(context.Background()); err != nil {
				t.Errorf("AllowRetry() error = %v, want nil", err)
			}
		})
	}
}
