package redresstest_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestPipelineUnderSynctest runs the whole pipeline (a real breaker, a real
// budget, retries, attempt timeouts) on the real clock inside a synctest
// bubble: time moves only when every goroutine in the bubble is blocked,
// so the test takes no real time and its times are exact.
func TestPipelineUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithRecoveryTimeout(30*time.Second))
		bud := budget.New(10, time.Minute)
		var rec redresstest.Recorder
		attempt := 0
		op := func(ctx context.Context) (string, error) {
			attempt++
			if attempt == 1 {
				<-ctx.Done() // hangs until the attempt timeout
				return "", ctx.Err()
			}
			if attempt == 2 {
				return "", errTransient
			}
			return "ok", nil
		}
		policy := redress.MustNew(
			redress.WithBreaker(br),
			redress.WithBudget(bud),
			redress.WithAttemptTimeout(2*time.Second),
			redress.WithRetry(retry.WithBackoff(backoff.Exponential(time.Second, time.Minute))),
			rec.Option(),
		)
		got, err := redress.Execute(t.Context(), op, policy)
		if err != nil || got != "ok" {
			t.Fatalf("Execute = %q, %v; want ok, nil", got, err)
		}
		// 2s timed out, 1s backoff, an instant failure, 2s backoff.
		if elapsed := time.Since(start); elapsed != 5*time.Second {
			t.Errorf("elapsed %v, want exactly 5s", elapsed)
		}
		if diff := cmp.Diff([]classifier.Class{classifier.Transient, classifier.Transient}, rec.Classes()); diff != "" {
			t.Errorf("classes (-want +got):\n%s", diff)
		}
		if !errors.Is(rec.Errors()[0], classifier.ErrAttemptTimeout) {
			t.Errorf("first attempt's error %v is not an attempt timeout", rec.Errors()[0])
		}
		if got := bud.Remaining(); got != 8 {
			t.Errorf("budget Remaining() = %d, want 8", got)
		}

		// An outage trips the breaker, and the next call fails fast.
		_, _ = redress.Execute(t.Context(), redresstest.AlwaysFail[int](errServer).Call, policy,
			redress.WithRetry(retry.WithMaxAttempts(1)))
		next := redresstest.FailThen(1)
		if _, err := redress.Execute(t.Context(), next.Call, policy); !errors.Is(err, breaker.ErrOpen) {
			t.Errorf("call after the trip: err = %v, want breaker.ErrOpen", err)
		}
		if got := next.Calls(); got != 0 {
			t.Errorf("op called %d times behind an open breaker, want 0", got)
		}
	})
}
