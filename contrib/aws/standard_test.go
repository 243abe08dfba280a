package redressaws_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/budget"
	redressaws "github.com/redress-go/redress/contrib/aws"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestSameAsStandardRetryer runs the same script of calls through a
// DynamoDB client with the SDK's standard retryer and with a Retryer with
// budget.NewQuota(), and checks that every call makes the same number of
// attempts and leaves the same tokens in the pool. Delays are 0 on both
// sides: they differ by design.
func TestSameAsStandardRetryer(t *testing.T) {
	limiter := ratelimit.NewTokenRateLimit(awsretry.DefaultRetryRateTokens)
	std := awsretry.NewStandard(func(o *awsretry.StandardOptions) {
		o.RateLimiter = limiter
		o.Backoff = awsretry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
	quota := budget.NewQuota()
	ours := redressaws.NewRetryer(
		redress.WithBudget(quota),
		redress.WithRetry(retry.WithMaxAttempts(awsretry.DefaultMaxAttempts), retry.WithBackoff(redresstest.Sequence(0))),
	)
	stdSrv, ourSrv := newDynamo(t), newDynamo(t)
	stdClient, ourClient := stdSrv.client(t, std), ourSrv.client(t, ours)

	failures := []reply{throttle, throughput, internal, unavailable, validation}
	rng := rand.New(rand.NewPCG(1, 2))
	var exhausted, refilled bool
	for call := range 1200 {
		// Outages (most attempts fail) alternate with healthy spells.
		failRate := 0.1
		if call/150%2 == 0 {
			failRate = 0.8
		}
		var script []reply
		for rng.Float64() < failRate && len(script) < 4 {
			script = append(script, failures[rng.IntN(len(failures))])
		}
		stdSrv.play(script...)
		ourSrv.play(script...)
		stdErr, ourErr := listTables(stdClient), listTables(ourClient)

		if s, o := stdSrv.requests(), ourSrv.requests(); s != o {
			t.Fatalf("call %d, script %v: standard made %d attempts, ours %d (errors: %v; %v)", call, script, s, o, stdErr, ourErr)
		}
		if (stdErr == nil) != (ourErr == nil) {
			t.Fatalf("call %d, script %v: standard: %v, ours: %v", call, script, stdErr, ourErr)
		}
		s, o := int(limiter.Remaining()), quota.Remaining()
		if s != o {
			t.Fatalf("call %d, script %v: standard has %d tokens left, ours %d", call, script, s, o)
		}
		if o < 14 {
			exhausted = true
		} else if exhausted && o >= 100 {
			refilled = true
		}
	}
	if !exhausted || !refilled {
		t.Errorf("the script never exhausted (%v) and then refilled (%v) the pool: it tests too little", exhausted, refilled)
	}
}
