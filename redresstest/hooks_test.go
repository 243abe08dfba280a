package redresstest_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// stopOf returns the parts of a *StopError that tests compare.
func stopOf(t *testing.T, err error) stopSummary {
	t.Helper()
	if err == nil {
		return stopSummary{}
	}
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *redress.StopError", err)
	}
	return stopSummary{se.Reason, se.Attempts, se.LastClass, se.Elapsed}
}

type stopSummary struct {
	Reason    redress.StopReason
	Attempts  int
	LastClass classifier.Class
	Elapsed   time.Duration
}

// TestInstantRetriesSleepsNoTime runs inside a synctest bubble, whose
// clock moves only when goroutines sleep on it: had InstantRetries left
// the policy on the real clock, the hour of backoff would show on it.
func TestInstantRetriesSleepsNoTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		var rec redresstest.Recorder
		op := redresstest.FailTimes(3, errTransient, "ok")
		got, err := redress.Execute(t.Context(), op.Call,
			redresstest.InstantRetries(),
			redress.WithoutDeadline(),
			redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, time.Minute, time.Hour))),
			rec.Option())
		if err != nil || got != "ok" {
			t.Fatalf("Execute = %q, %v; want ok, nil", got, err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the call took %v of (bubble) real time, want 0", waited)
		}
		if diff := cmp.Diff([]time.Duration{time.Second, time.Minute, time.Hour}, rec.Sleeps()); diff != "" {
			t.Errorf("sleeps the policy decided (-want +got):\n%s", diff)
		}
		if got := op.Calls(); got != 4 {
			t.Errorf("op called %d times, want 4", got)
		}
	})
}

// TestInstantRetriesKeepsDecisions checks that every stop a policy would
// make on the real clock, it makes under InstantRetries, with the virtual
// time it would have taken.
func TestInstantRetriesKeepsDecisions(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		opts    []redress.Option
		timeout time.Duration // of the caller's context; 0: none
		give    error         // every attempt fails with it
		want    stopSummary
	}{
		{
			name: "policy deadline",
			opts: []redress.Option{redress.WithDeadline(time.Second)},
			give: errTransient,
			want: stopSummary{redress.StopDeadline, 3, classifier.Transient, 800 * ms},
		},
		{
			name:    "caller's deadline",
			opts:    []redress.Option{redress.WithoutDeadline()},
			timeout: 1100 * ms,
			give:    errTransient,
			want:    stopSummary{redress.StopDeadline, 3, classifier.Transient, 800 * ms},
		},
		{
			name: "global cap",
			opts: []redress.Option{redress.WithRetry(retry.WithMaxAttempts(4))},
			give: errTransient,
			want: stopSummary{redress.StopMaxAttempts, 4, classifier.Transient, 1200 * ms},
		},
		{
			name: "per-class cap",
			opts: []redress.Option{redress.WithRetry(retry.WithMaxAttemptsFor(classifier.ServerError, 1))},
			give: errServer,
			want: stopSummary{redress.StopMaxAttemptsForClass, 2, classifier.ServerError, 400 * ms},
		},
		{
			name: "budget",
			opts: []redress.Option{redress.WithBudget(redresstest.NewBudget(2))},
			give: errTransient,
			want: stopSummary{redress.StopBudgetExhausted, 3, classifier.Transient, 800 * ms},
		},
		{
			name: "non-retryable class",
			give: errPermanent,
			want: stopSummary{redress.StopNonRetryable, 1, classifier.Permanent, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// In a bubble the real time does not move on its own, so the
			// caller's deadline is exact.
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				opts := append([]redress.Option{
					redresstest.InstantRetries(),
					redress.WithRetry(retry.WithBackoff(redresstest.Sequence(400 * ms))),
				}, tt.opts...)
				_, err := redress.Execute(ctx, redresstest.AlwaysFail[int](tt.give).Call, opts...)
				if diff := cmp.Diff(tt.want, stopOf(t, err)); diff != "" {
					t.Errorf("stop (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// TestInstantRetriesStartsAtRealTime checks the documented start: an
// attempt's deadline lies in the real future, where net/http honours it.
func TestInstantRetriesStartsAtRealTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var deadline time.Time
		_, err := redress.Execute(t.Context(), func(ctx context.Context) (int, error) {
			deadline, _ = ctx.Deadline()
			return 1, nil
		}, redresstest.InstantRetries(), redress.WithoutDeadline(), redress.WithAttemptTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Now().Add(5 * time.Second); !deadline.Equal(want) {
			t.Errorf("attempt deadline = %v, want %v (now + 5s)", deadline, want)
		}
	})
}

func TestNoRetries(t *testing.T) {
	tests := []struct {
		name      string
		noRetries bool
		give      []error // errors of the first attempts; then success
		wantStop  stopSummary
		wantCalls int
		wantNames []redress.EventName
	}{
		{
			name:      "retryable failure stops after one attempt",
			noRetries: true,
			give:      []error{errTransient, errTransient},
			wantStop:  stopSummary{Reason: redress.StopMaxAttempts, Attempts: 1, LastClass: classifier.Transient},
			wantCalls: 1,
			wantNames: []redress.EventName{redress.EventMaxAttemptsExceeded},
		},
		{
			name:      "without it the same call retries",
			give:      []error{errTransient, errTransient},
			wantCalls: 3,
			wantNames: []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventSuccess},
		},
		{
			name:      "non-retryable failure keeps its reason",
			noRetries: true,
			give:      []error{errPermanent},
			wantStop:  stopSummary{Reason: redress.StopNonRetryable, Attempts: 1, LastClass: classifier.Permanent},
			wantCalls: 1,
			wantNames: []redress.EventName{redress.EventPermanentFail},
		},
		{
			name:      "success is untouched",
			noRetries: true,
			wantCalls: 1,
			wantNames: []redress.EventName{redress.EventSuccess},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.noRetries {
				ctx = redresstest.NoRetries(ctx)
			}
			// A context derived from it still carries the switch.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var rec redresstest.Recorder
			op := redresstest.FailThen("ok", tt.give...)
			_, err := redress.Execute(ctx, op.Call, redresstest.InstantRetries(), rec.Option())
			if diff := cmp.Diff(tt.wantStop, stopOf(t, err)); diff != "" {
				t.Errorf("stop (-want +got):\n%s", diff)
			}
			if got := op.Calls(); got != tt.wantCalls {
				t.Errorf("op called %d times, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantNames, rec.Names()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNoRetriesIsPerContext shares one policy between parallel tests, only
// one of which turns retries off.
func TestNoRetriesIsPerContext(t *testing.T) {
	policy := redress.MustNew(redresstest.InstantRetries(), redress.WithoutDeadline())
	tests := []struct {
		name      string
		noRetries bool
		wantCalls int
	}{
		{"with NoRetries", true, 1},
		{"without", false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for range 20 {
				ctx := t.Context()
				if tt.noRetries {
					ctx = redresstest.NoRetries(ctx)
				}
				op := redresstest.FailTimes(2, errTransient, 0)
				_, _ = redress.Execute(ctx, op.Call, policy)
				if got := op.Calls(); got != tt.wantCalls {
					t.Fatalf("op called %d times, want %d", got, tt.wantCalls)
				}
			}
		})
	}
}
