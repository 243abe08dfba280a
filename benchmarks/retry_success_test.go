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
	"github.com/redress-go/redress/classifier"
)

// BenchmarkRetrySuccess runs an operation that succeeds at once through each
// library's retry: the cost of the happy path, paid on every call.
//
// Each library is called the way its README shows a new user: redress with
// Execute(ctx, op) and no options (the default policy, with its 60 s
// deadline), cenkalti/backoff with Retry(ctx, op) and no options, retry-go
// with DoWithData(op, Context(ctx)). Per-call options are written inline, as
// users write them. The one favour the peers get is the closure their
// operations need (they take no context): it is made once, outside the loop.
//
// The sub-benchmarks run in the order of docs/performance.md: the default
// configuration first, then the peers, then the variants that avoid the
// call's context.
func BenchmarkRetrySuccess(b *testing.B) {
	ctx := context.Background()
	// succeedNoCtx is succeed for the peers whose operations take no context.
	succeedNoCtx := func() (int, error) { return succeed(ctx) }

	// Default configuration: the policy's 60 s deadline is in force, so
	// each call makes one context of its own.
	b.Run("redress/no-options", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed))
		}
	})
	b.Run("redress/prebuilt", func(b *testing.B) {
		// breaker + budget + retry, default deadline.
		p := prebuilt(b)
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p))
		}
	})
	b.Run("redress/prebuilt+option", func(b *testing.B) {
		// The same policy and an option of one call (WithOperation): the
		// call takes it itself, without copying the policy's
		// configuration; the call's context is its one allocation.
		p := prebuilt(b)
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p, redress.WithOperation("x")))
		}
	})
	b.Run("redress/no-options/op-waits", func(b *testing.B) {
		// An operation that asks its context for Done, as one doing I/O
		// does: the call's context arms its timer.
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeedWaiting))
		}
	})

	// The peers.
	b.Run("cenkalti-backoff", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			use(cenkalti.Retry(ctx, succeedNoCtx))
		}
	})
	b.Run("retry-go", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			use(retrygo.DoWithData(succeedNoCtx, retrygo.Context(ctx)))
		}
	})
	b.Run("retry-go/no-options", func(b *testing.B) {
		// retry-go's cheapest form: no context, no options.
		b.ReportAllocs()
		for b.Loop() {
			use(retrygo.DoWithData(succeedNoCtx))
		}
	})
	b.Run("failsafe-go", func(b *testing.B) {
		// failsafe-go's executor is built once, as its README shows.
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

	// No context of the call's own.
	b.Run("redress/prebuilt/without-deadline", func(b *testing.B) {
		p := prebuilt(b, redress.WithoutDeadline())
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p))
		}
	})
	b.Run("redress/prebuilt/caller-deadline-first", func(b *testing.B) {
		// The default deadline, and a caller's context whose own deadline
		// ends first: the caller's context already bounds the call.
		p := prebuilt(b)
		cctx, cancel := context.WithTimeout(ctx, redress.DefaultDeadline/2)
		defer cancel()
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(cctx, succeed, p))
		}
	})
	b.Run("redress/prebuilt+option/without-deadline", func(b *testing.B) {
		p := prebuilt(b, redress.WithoutDeadline())
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p, redress.WithOperation("x")))
		}
	})
	b.Run("redress/prebuilt+classifier/without-deadline", func(b *testing.B) {
		// An option that is not of one call (WithClassifier), given per
		// call: one copy of the policy's configuration on every call, and
		// nothing rebuilt. The option value is made once, so that the row
		// measures the copy.
		p := prebuilt(b, redress.WithoutDeadline())
		cl := redress.WithClassifier(classifier.Strict)
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p, cl))
		}
	})
	b.Run("redress/prebuilt+observer/without-deadline", func(b *testing.B) {
		// An option that is not of one call and changes a part built from
		// the configuration (WithObserver), given per call: a copy of the
		// policy's configuration and its observers built again, on every
		// call. The option value is made once.
		p := prebuilt(b, redress.WithoutDeadline())
		obs := redress.WithObserver(redress.ObserverFunc(ignoreEvent))
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, p, obs))
		}
	})
	b.Run("redress/prebuilt+observer/built-once/without-deadline", func(b *testing.B) {
		// The same observer in a policy built once from p: it costs what
		// p costs.
		p := prebuilt(b, redress.WithoutDeadline())
		audited := redress.MustNew(p, redress.WithObserver(redress.ObserverFunc(ignoreEvent)))
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, audited))
		}
	})
	b.Run("redress/inline-options/without-deadline", func(b *testing.B) {
		// Options without a prebuilt policy: every call resolves and
		// validates them, and builds the retry engine. A policy built once
		// with New avoids that.
		b.ReportAllocs()
		for b.Loop() {
			use(redress.Execute(ctx, succeed, redress.WithoutDeadline()))
		}
	})
}
