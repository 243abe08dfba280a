package benchmarks

import (
	"context"
	"testing"
	"time"

	retrygo "github.com/avast/retry-go/v4"
	cenkalti "github.com/cenkalti/backoff/v5"
	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/retrypolicy"

	"github.com/redress-go/redress"
)

// BenchmarkRetrySuccess runs an operation that succeeds at once through each
// library's retry: the cost of the happy path, paid on every call.
//
// Every library gets its best case: its policy or options are built once,
// outside the loop, and the closure the peers need (their operations take no
// context) is made once too, so only the call itself is measured.
func BenchmarkRetrySuccess(b *testing.B) {
	ctx := context.Background()
	// succeedNoCtx is succeed for the peers whose operations take no context.
	succeedNoCtx := func() (int, error) { return succeed(ctx) }

	b.Run("redress/policy", func(b *testing.B) {
		// breaker + budget + retry, WithoutDeadline: the 0-alloc path.
		p := fullPolicy(b)
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p))
		}
	})
	b.Run("redress/policy-deadline", func(b *testing.B) {
		// The same policy with the default 60 s deadline, which gives each
		// attempt a context of its own.
		p := fullPolicy(b, redress.WithDeadline(redress.DefaultDeadline))
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p))
		}
	})
	b.Run("redress/policy-deadline-caller-first", func(b *testing.B) {
		// The same, called with a context whose own deadline ends before
		// the policy's: the caller's context already bounds the attempt,
		// so redress makes none of its own.
		p := fullPolicy(b, redress.WithDeadline(redress.DefaultDeadline))
		cctx, cancel := context.WithTimeout(ctx, redress.DefaultDeadline/2)
		defer cancel()
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(cctx, succeed, p))
		}
	})
	b.Run("redress/no-options", func(b *testing.B) {
		// The one-off form: default policy, default deadline.
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed))
		}
	})
	b.Run("cenkalti-backoff", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			use(cenkalti.Retry(ctx, succeedNoCtx))
		}
	})
	b.Run("retry-go", func(b *testing.B) {
		opts := []retrygo.Option{retrygo.Context(ctx)}
		b.ReportAllocs()
		for b.Loop() {
			use(retrygo.DoWithData(succeedNoCtx, opts...))
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		rp := retrypolicy.NewBuilder[int]().
			WithMaxAttempts(5).
			WithBackoff(250*time.Millisecond, 5*time.Second).
			Build()
		ex := failsafe.With(rp).WithContext(ctx)
		b.ReportAllocs()
		for b.Loop() {
			use(ex.Get(succeedNoCtx))
		}
	})
}
