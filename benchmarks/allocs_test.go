package benchmarks

import (
	"context"
	"testing"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// TestAllocs holds redress to its allocation budget on the paths users run,
// written the way they write them:
//
//   - with a deadline of the policy's own in force (the default 60 s), a
//     call makes at most one allocation, its context, made once per call
//     and not per attempt, whatever the policy holds and however many
//     retries the call makes;
//   - with no deadline of the policy's own (WithoutDeadline), a prebuilt
//     policy's call makes none;
//   - options of one call (WithOperation, WithReport, WithFirstAttempt)
//     after a prebuilt policy are taken by the call itself and add none;
//     another option given per call adds one, a copy of the policy's
//     configuration (and more if it changes a part built from it, such as
//     the observers); the same option in a policy built once from the
//     prebuilt one adds none.
//
// The race detector allocates on its own, so the test skips itself under
// -race; scripts/test runs it again without (go test -run Alloc).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; allocation counts mean nothing under it")
	}
	ctx := context.Background()
	withDeadline := prebuilt(t)
	withoutDeadline := prebuilt(t, redress.WithoutDeadline())
	flaky := prebuilt(t, redress.WithRetry(zeroDelay))
	strict := redress.WithClassifier(classifier.Strict)
	// A variant of a policy used on many calls, built once, as
	// docs/performance.md advises.
	p := withoutDeadline
	told := 0
	audit := redress.ObserverFunc(func(context.Context, redress.Event) { told++ })
	audited := redress.MustNew(p, redress.WithObserver(audit))
	failing := failTwice()
	attempts := 0
	countedFailing := func(ctx context.Context) (int, error) {
		attempts++
		return failing(ctx)
	}
	tests := []struct {
		name string
		call func() (int, error)
		want float64 // at most
	}{
		{
			name: "Execute(ctx, op) with no options",
			call: func() (int, error) { return redress.Execute(ctx, succeed) },
			want: 1,
		},
		{
			name: "prebuilt breaker+budget+retry, default deadline",
			call: func() (int, error) { return redress.Execute(ctx, succeed, withDeadline) },
			want: 1,
		},
		{
			name: "two failures then success, default deadline",
			call: func() (int, error) { return redress.Execute(ctx, countedFailing, flaky) },
			want: 1,
		},
		{
			name: "prebuilt, default deadline + WithOperation per call",
			call: func() (int, error) {
				return redress.Execute(ctx, succeed, withDeadline, redress.WithOperation("x"))
			},
			want: 1,
		},
		{
			name: "prebuilt breaker+budget+retry, WithoutDeadline",
			call: func() (int, error) { return redress.Execute(ctx, succeed, withoutDeadline) },
			want: 0,
		},
		{
			name: "prebuilt WithoutDeadline + options of one call",
			call: func() (int, error) {
				return redress.Execute(ctx, succeed, withoutDeadline,
					redress.WithOperation("x"), redress.WithFirstAttempt(1))
			},
			want: 0,
		},
		{
			name: "prebuilt WithoutDeadline + WithClassifier per call",
			call: func() (int, error) { return redress.Execute(ctx, succeed, withoutDeadline, strict) },
			want: 1,
		},
		{
			name: "policy built once from a prebuilt one, with an observer",
			call: func() (int, error) { return redress.Execute(ctx, succeed, audited) },
			want: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const runs = 1000
			var err error
			got := testing.AllocsPerRun(runs, func() {
				var v int
				if v, err = tt.call(); err == nil && v != 42 {
					t.Errorf("result %d, want 42", v)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if got > tt.want {
				t.Errorf("%v allocations per call, want at most %v", got, tt.want)
			}
		})
	}
	// AllocsPerRun makes one warm-up call before its runs.
	if want := 3 * 1001; attempts != want {
		t.Errorf("the failing operation ran %d times, want %d: three attempts per call", attempts, want)
	}
	if want := 1001; told != want {
		t.Errorf("the built-once policy's observer was told %d times, want %d: once per call", told, want)
	}
}
