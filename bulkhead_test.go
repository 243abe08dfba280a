package redress_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/redresstest"
)

// TestBulkheadLimitUnderLoad sends 1,000 concurrent calls at a bulkhead of
// 8 slots that never waits: exactly 8 get in, the rest fail fast.
func TestBulkheadLimitUnderLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, callers = 8, 1000
		bh := bulkhead.New(n)
		p := mustNew(t, redress.WithBulkhead(bh))
		release := make(chan struct{})
		var inside, most, full atomic.Int64
		op := func(context.Context) (int, error) {
			now := inside.Add(1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			<-release
			inside.Add(-1)
			return 1, nil
		}
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				_, err := redress.Execute(context.Background(), op, p)
				if errors.Is(err, bulkhead.ErrFull) {
					full.Add(1)
				} else if err != nil {
					t.Errorf("Execute = %v, want nil or ErrBulkheadFull", err)
				}
			})
		}
		synctest.Wait() // every caller is inside, or has been turned away
		if got := bh.InUse(); got != n {
			t.Errorf("InUse() = %d while %d callers wait, want %d", got, callers, n)
		}
		close(release)
		wg.Wait()
		if got, want := [3]int64{most.Load(), full.Load(), int64(bh.InUse())}, [3]int64{n, callers - n, 0}; got != want {
			t.Errorf("most inside, rejected, in use at the end = %v, want %v", got, want)
		}
	})
}

// TestBulkheadWaitsOnTheClock checks that a call waits up to the maximum
// wait on the bulkhead's clock, and no longer.
func TestBulkheadWaitsOnTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(epoch)
		bh := bulkhead.New(1, bulkhead.WithMaxWait(time.Second), bulkhead.WithClock(clk))
		rec := &events{}
		p := mustNew(t, redress.WithBulkhead(bh), redress.WithClock(clk), redress.WithObserver(rec))
		release := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			redress.Execute(context.Background(), func(context.Context) (int, error) { <-release; return 1, nil }, p)
		}()
		synctest.Wait()
		errc := make(chan error, 1)
		go func() {
			_, err := redress.Execute(context.Background(), succeed, p)
			errc <- err
		}()
		synctest.Wait() // the second call waits for the slot
		clk.Advance(time.Second - 1)
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("the call gave up before its maximum wait: %v", err)
		default:
		}
		clk.Advance(1)
		err := <-errc
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopBulkheadFull || se.Attempts != 0 || !errors.Is(err, bulkhead.ErrFull) {
			t.Errorf("Execute = %v, want BULKHEAD_FULL after 0 attempts", err)
		}
		close(release)
		<-done
		want := []redress.EventName{redress.EventBulkheadRejected, redress.EventSuccess}
		if diff := cmp.Diff(want, rec.names()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestBulkheadPerAttemptFreesTheSlotWhileSleeping checks the default
// placement: a call sleeping before its retry holds no slot. Placed
// before the retry loop, the bulkhead holds it for the whole call.
func TestBulkheadPerAttemptFreesTheSlotWhileSleeping(t *testing.T) {
	tests := []struct {
		name    string
		order   []redress.Stage
		wantErr error
	}{
		{"per attempt (default)", nil, nil},
		{"per call", []redress.Stage{redress.StageBulkhead, redress.StageRetry}, bulkhead.ErrFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := redresstest.NewClock(epoch)
			opts := []redress.Option{redress.WithBulkhead(bulkhead.New(1)), redress.WithClock(clk),
				redress.WithoutDeadline()}
			if tt.order != nil {
				opts = append(opts, redress.WithOrder(tt.order...))
			}
			p := mustNew(t, opts...)
			done := make(chan error, 1)
			op, _ := script(1, errTransient)
			go func() {
				_, err := redress.Execute(context.Background(), op, p)
				done <- err
			}()
			clk.WaitForSleepers(1) // the first call sleeps before its retry
			_, err := redress.Execute(context.Background(), succeed, p)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("second call = %v, want %v", err, tt.wantErr)
			}
			clk.WakeSleepers()
			if err := <-done; err != nil {
				t.Errorf("first call = %v, want nil", err)
			}
		})
	}
}

func TestBulkheadRejectionIsNeitherForTheBreaker(t *testing.T) {
	br := redresstest.NewBreaker(breaker.Closed)
	bh := bulkhead.New(1)
	p := mustNew(t, redress.WithBulkhead(bh), redress.WithBreaker(br))
	inside := make(chan struct{})
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		redress.Execute(context.Background(), func(context.Context) (int, error) {
			close(inside)
			<-release
			return 1, nil
		}, p)
	}()
	<-inside
	_, err := redress.Execute(context.Background(), succeed, p)
	close(release)
	<-done
	if !errors.Is(err, bulkhead.ErrFull) {
		t.Fatalf("Execute = %v, want ErrBulkheadFull", err)
	}
	// The rejected call ends first, while the other is still inside.
	if diff := cmp.Diff([]breaker.Outcome{breaker.Cancelled, breaker.Success}, br.Outcomes()); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
}

func TestBulkheadConfig(t *testing.T) {
	tests := []struct {
		name string
		give *bulkhead.Bulkhead
		want string
	}{
		{"nil", nil, "WithBulkhead: bulkhead is nil"},
		{"no slots", bulkhead.New(0), "WithBulkhead: "},
		{"negative wait", bulkhead.New(1, bulkhead.WithMaxWait(-1)), "WithBulkhead: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redress.New(redress.WithBulkhead(tt.give))
			if want := "redress: invalid configuration: " + tt.want; err == nil || !strings.HasPrefix(err.Error(), want) ||
				!errors.Is(err, redress.ErrInvalidConfig) {
				t.Errorf("New = %v, want %q…", err, want)
			}
		})
	}
}

// TestBulkheadWaitEndsAtTheCallsDeadline: a call whose deadline comes
// before the bulkhead's maximum wait stops at its deadline, with
// DEADLINE_EXCEEDED, not after the whole wait with BULKHEAD_FULL.
func TestBulkheadWaitEndsAtTheCallsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(epoch)
		bh := bulkhead.New(1, bulkhead.WithMaxWait(100*time.Millisecond), bulkhead.WithClock(clk))
		p := mustNew(t, redress.WithBulkhead(bh), redress.WithClock(clk), redress.WithDeadline(10*time.Millisecond))
		release := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			redress.Execute(context.Background(), func(context.Context) (int, error) { <-release; return 1, nil },
				redress.WithBulkhead(bh), redress.WithClock(clk), redress.WithoutDeadline())
		}()
		synctest.Wait() // the first call holds the slot
		errc := make(chan error, 1)
		go func() {
			_, err := redress.Execute(context.Background(), succeed, p)
			errc <- err
		}()
		synctest.Wait()
		clk.Advance(10 * time.Millisecond)
		err := <-errc
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != redress.StopDeadline || se.Attempts != 0 ||
			!errors.Is(err, context.DeadlineExceeded) || se.Elapsed != 10*time.Millisecond {
			t.Errorf("Execute = %v (elapsed %v), want DEADLINE_EXCEEDED after 0 attempts at 10ms", err, se.Elapsed)
		}
		close(release)
		<-done
	})
}
