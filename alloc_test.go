package redress_test

import (
	"context"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/retry"
)

func succeed(context.Context) (int, error) { return 42, nil }

// TestSuccessPathDoesNotAllocate checks DESIGN.md's performance budget: a
// prebuilt policy with breaker, budget and retry makes no allocation on
// the success path.
func TestSuccessPathDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	p := mustNew(t,
		redress.WithBreaker(breaker.New()),
		redress.WithBudget(budget.New(100, time.Minute)),
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithoutDeadline())
	ctx := context.Background()
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := redress.Execute(ctx, succeed, p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Execute with a prebuilt policy allocates %v times per call, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(1000, func() {
		redress.Do(ctx, func(context.Context) error { return nil }, p)
	})
	if allocs != 0 {
		t.Errorf("Do with a prebuilt policy allocates %v times per call, want 0", allocs)
	}
}

// TestCallerDeadlineAvoidsAllocation checks that a caller's deadline that
// ends before the policy's spares the attempt a context of its own.
func TestCallerDeadlineAvoidsAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	p := mustNew(t, redress.WithDeadline(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	allocs := testing.AllocsPerRun(1000, func() { redress.Execute(ctx, succeed, p) })
	if allocs != 0 {
		t.Errorf("Execute under an earlier caller deadline allocates %v times per call, want 0", allocs)
	}
}

func BenchmarkExecute(b *testing.B) {
	ctx := context.Background()
	b.Run("prebuilt-no-deadline", func(b *testing.B) {
		p := redress.MustNew(redress.WithBreaker(breaker.New()), redress.WithBudget(budget.New(100, time.Minute)),
			redress.WithoutDeadline())
		b.ReportAllocs()
		for b.Loop() {
			redress.Execute(ctx, succeed, p)
		}
	})
	b.Run("prebuilt-default-deadline", func(b *testing.B) {
		p := redress.MustNew()
		b.ReportAllocs()
		for b.Loop() {
			redress.Execute(ctx, succeed, p)
		}
	})
	b.Run("no-options", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			redress.Execute(ctx, succeed)
		}
	})
	b.Run("prebuilt-with-override", func(b *testing.B) {
		p := redress.MustNew(redress.WithoutDeadline())
		op := redress.WithOperation("x")
		b.ReportAllocs()
		for b.Loop() {
			redress.Execute(ctx, succeed, p, op)
		}
	})
}
