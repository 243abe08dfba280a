package redress_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// blockUntilDone is an operation that waits for its context, telling
// started when it begins.
func blockUntilDone(started chan<- int) func(context.Context) (int, error) {
	n := 0
	return func(ctx context.Context) (int, error) {
		n++
		started <- n
		<-ctx.Done()
		return 0, ctx.Err()
	}
}

func TestAttemptTimeoutOnFakeClockIsTransient(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	started := make(chan int)
	done := make(chan error)
	go func() {
		_, err := redress.Execute(context.Background(), blockUntilDone(started),
			redress.WithClock(clk),
			redress.WithAttemptTimeout(2*time.Second),
			redress.WithRetry(retry.WithMaxAttempts(2), retry.WithBackoff(backoff.Constant(time.Second))))
		done <- err
	}()
	<-started
	clk.Advance(2 * time.Second) // the first attempt times out
	clk.WaitForSleepers(1)       // the retry sleeps its second
	clk.Advance(time.Second)
	<-started
	clk.Advance(2 * time.Second)
	err := <-done
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *StopError", err)
	}
	want := redress.StopError{Reason: redress.StopMaxAttempts, Attempts: 2, LastClass: classifier.Transient, Elapsed: 5 * time.Second}
	got := redress.StopError{Reason: se.Reason, Attempts: se.Attempts, LastClass: se.LastClass, Elapsed: se.Elapsed}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(redress.StopError{})); diff != "" {
		t.Errorf("StopError (-want +got):\n%s", diff)
	}
	if !errors.Is(err, classifier.ErrAttemptTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v should match ErrAttemptTimeout and the op's own error", err)
	}
}

func TestDeadlineCutsAttempt(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	started := make(chan int)
	done := make(chan error)
	go func() {
		_, err := redress.Execute(context.Background(), blockUntilDone(started),
			redress.WithClock(clk), redress.WithDeadline(3*time.Second), redress.WithAttemptTimeout(time.Hour))
		done <- err
	}()
	<-started
	clk.Advance(3 * time.Second)
	err := <-done
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopDeadline || se.Attempts != 1 {
		t.Fatalf("error = %v, want DEADLINE_EXCEEDED after 1 attempt", err)
	}
}

func TestAttemptContextHasVirtualDeadline(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	var got time.Time
	redress.Execute(context.Background(), func(ctx context.Context) (int, error) {
		got, _ = ctx.Deadline()
		return 0, nil
	}, redress.WithClock(clk), redress.WithAttemptTimeout(2*time.Second))
	if want := epoch.Add(2 * time.Second); !got.Equal(want) {
		t.Errorf("attempt deadline = %v, want %v", got, want)
	}
}

// TestExecuteUnderSynctest runs the whole pipeline on the real clock in a
// synctest bubble: sleeps and timeouts take virtual time only.
func TestExecuteUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		calls := 0
		got, err := redress.Execute(context.Background(), func(ctx context.Context) (string, error) {
			calls++
			if calls == 1 {
				<-ctx.Done() // hangs until the attempt timeout
				return "", ctx.Err()
			}
			if calls == 2 {
				return "", errTransient
			}
			return "ok", nil
		}, redress.WithAttemptTimeout(time.Second),
			redress.WithRetry(retry.WithBackoff(redresstest.Sequence(10*time.Second, 20*time.Second))))
		if err != nil || got != "ok" || calls != 3 {
			t.Fatalf("Execute = %q, %v after %d calls; want ok, nil after 3", got, err, calls)
		}
		if elapsed := time.Since(start); elapsed != 31*time.Second {
			t.Errorf("virtual time passed = %v, want 31s (1s timeout + 10s + 20s)", elapsed)
		}
	})
}

func TestCallerDeadlineStopsBeforeSleeping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		op, calls := script(0, errTransient, errTransient)
		_, err := redress.Execute(ctx, op, redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 10*time.Second))))
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopDeadline || *calls != 2 {
			t.Fatalf("error = %v after %d calls, want DEADLINE_EXCEEDED after 2", err, *calls)
		}
		if elapsed := time.Since(start); elapsed != time.Second {
			t.Errorf("slept %v, want only the first 1s sleep", elapsed)
		}
	})
}

func TestCallerTimeoutIsAbortedNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		started := make(chan int, 1)
		_, err := redress.Execute(ctx, blockUntilDone(started), redress.WithAttemptTimeout(time.Minute))
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopAborted || se.Attempts != 1 {
			t.Fatalf("error = %v, want ABORTED after 1 attempt", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, classifier.ErrAttemptTimeout) {
			t.Errorf("error %v should be the caller's deadline, not our timeout", err)
		}
	})
}
