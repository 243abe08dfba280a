package benchmarks

import (
	"context"
	"testing"

	retrygo "github.com/avast/retry-go/v4"
	cenkalti "github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/retry"
)

// BenchmarkRetryTwoFailures runs an operation that fails twice and then
// succeeds, with every delay set to zero: the cost of the retry machinery
// itself (classifying, deciding, asking the budget, waiting 0), three
// attempts per iteration. Each library may make up to five attempts.
func BenchmarkRetryTwoFailures(b *testing.B) {
	ctx := context.Background()

	b.Run("redress/prebuilt", func(b *testing.B) {
		// breaker + budget + retry with the default 60 s deadline: each
		// retry is granted by the budget, the call's success is recorded
		// once with the breaker, and one context serves all three attempts.
		p := prebuilt(b, redress.WithRetry(zeroDelay))
		op := failTwice()
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, op, p))
		}
	})
	b.Run("cenkalti-backoff", func(b *testing.B) {
		op := failTwice()
		opNoCtx := func() (int, error) { return op(ctx) }
		b.ReportAllocs()
		for b.Loop() {
			use(cenkalti.Retry(ctx, opNoCtx,
				cenkalti.WithBackOff(&cenkalti.ZeroBackOff{}), cenkalti.WithMaxTries(5)))
		}
	})
	b.Run("retry-go", func(b *testing.B) {
		op := failTwice()
		opNoCtx := func() (int, error) { return op(ctx) }
		b.ReportAllocs()
		for b.Loop() {
			use(retrygo.DoWithData(opNoCtx, retrygo.Context(ctx), retrygo.Attempts(5),
				retrygo.Delay(0), retrygo.DelayType(retrygo.FixedDelay)))
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		op := failTwice()
		opNoCtx := func() (int, error) { return op(ctx) }
		// No delay is configured: failsafe-go's retry policy then retries
		// at once.
		rp := retrypolicy.NewBuilder[int]().WithMaxAttempts(5).Build()
		ex := failsafe.With(rp).WithContext(ctx)
		b.ReportAllocs()
		for b.Loop() {
			use(ex.Get(opNoCtx))
		}
	})
	b.Run("redress/prebuilt/without-deadline", func(b *testing.B) {
		p := prebuilt(b, redress.WithRetry(zeroDelay), redress.WithoutDeadline())
		op := failTwice()
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, op, p))
		}
	})
	b.Run("redress/retry-only/without-deadline", func(b *testing.B) {
		p, err := redress.New(
			redress.WithRetry(retry.WithMaxAttempts(5), zeroDelay),
			redress.WithoutDeadline(),
		)
		if err != nil {
			b.Fatal(err)
		}
		op := failTwice()
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, op, p))
		}
	})
}
