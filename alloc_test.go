package redress_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

func succeed(context.Context) (int, error) { return 42, nil }

// TestSuccessPathDoesNotAllocate checks the performance budget: a
// prebuilt policy with breaker, budget and retry, and no deadline of its
// own, makes no allocation on the success path.
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

// TestDefaultDeadlineAllocatesOncePerCall checks the performance budget
// with the policy's own deadline in force: one allocation per call (its
// context), none per retry, whatever the options.
func TestDefaultDeadlineAllocatesOncePerCall(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	errBlip := classifier.MarkTransient(errors.New("blip"))
	prebuilt := mustNew(t,
		redress.WithBreaker(breaker.New()),
		redress.WithBudget(budget.NewRatio(1)), // every retry granted
		redress.WithRetry(retry.WithMaxAttempts(3), retry.WithBackoff(backoff.Constant(0))))
	n := 0
	failTwice := func(context.Context) (int, error) {
		if n++; n <= 2 {
			return 0, errBlip
		}
		return 1, nil
	}
	tests := []struct {
		name string
		run  func()
		want float64
	}{
		{"Execute with no options", func() { redress.Execute(ctx, succeed) }, 1},
		{"Do with no options", func() { redress.Do(ctx, func(context.Context) error { return nil }) }, 1},
		{"prebuilt breaker, budget and retry", func() { redress.Execute(ctx, succeed, prebuilt) }, 1},
		{"two failures then success", func() {
			n = 0
			if _, err := redress.Execute(ctx, failTwice, prebuilt); err != nil || n != 3 {
				panic(fmt.Sprint(err, n))
			}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := testing.AllocsPerRun(1000, tt.run); got > tt.want {
				t.Errorf("allocations per call = %v, want at most %v", got, tt.want)
			}
		})
	}
}

// TestPerCallOptionDoesNotRebuild checks that an option on top of a
// prebuilt policy costs at most one allocation (the overlay), whatever the
// policy holds; measured without a deadline of the policy's own, whose
// context would be a second.
func TestPerCallOptionDoesNotRebuild(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	p := mustNew(t, redress.WithoutDeadline(),
		redress.WithBreaker(breaker.New()),
		redress.WithBudget(budget.New(100, time.Minute)),
		redress.WithObserver(redress.ObserverFunc(func(context.Context, redress.Event) {})),
		redress.WithRetry(retry.WithMaxAttempts(4), retry.WithMaxAttemptsFor(classifier.Concurrency, 2)))
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := redress.Execute(ctx, succeed, p, redress.WithOperation("users.get.vip")); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("a per-call WithOperation allocates %v times, want at most 1", allocs)
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
