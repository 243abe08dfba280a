package bulkhead_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/redresstest"
)

var start = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// tooMany is one slot more than a bulkhead may have (a variable, so that
// the tests compile where int has 32 bits, and New sees it wrapped).
var tooMany int64 = math.MaxInt32 + 1

func TestNewReportsInvalidInput(t *testing.T) {
	tests := []struct {
		name string
		give *bulkhead.Bulkhead
		want []string // parts of Err's text; none for a valid bulkhead
	}{
		{"valid", bulkhead.New(1), nil},
		{"valid with options", bulkhead.New(3, bulkhead.WithMaxWait(time.Second), bulkhead.WithClock(redresstest.NewClock(start))), nil},
		{"zero slots", bulkhead.New(0), []string{"New(0)", "from 1 to"}},
		{"negative slots", bulkhead.New(-4), []string{"New(-4)"}},
		{"too many slots", bulkhead.New(int(tooMany)), []string{"from 1 to 2147483647"}},
		{"negative wait", bulkhead.New(1, bulkhead.WithMaxWait(-time.Second)), []string{"WithMaxWait(-1s)", "negative"}},
		{"nil clock", bulkhead.New(1, bulkhead.WithClock(nil)), []string{"WithClock(nil)"}},
		{"nil option", bulkhead.New(1, nil), []string{"Option(nil)"}},
		{"every problem named", bulkhead.New(0, bulkhead.WithMaxWait(-1), nil), []string{"New(0)", "WithMaxWait(-1ns)", "Option(nil)"}},
		{"zero value", &bulkhead.Bulkhead{}, []string{"made by New"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.give.Err()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, bulkhead.ErrInvalidConfig) {
				t.Fatalf("Err() = %v, want an error wrapping ErrInvalidConfig", err)
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("Err() = %q, want it to name %q", err, part)
				}
			}
		})
	}
}

// TestInvalidBulkheadFailsClosed checks that a bulkhead with an invalid
// configuration lets nobody in, whatever its slots.
func TestInvalidBulkheadFailsClosed(t *testing.T) {
	for _, b := range []*bulkhead.Bulkhead{
		bulkhead.New(0),
		bulkhead.New(5, bulkhead.WithMaxWait(-1)),
		bulkhead.New(5, nil),
		{},
	} {
		if b.TryAcquire() {
			t.Errorf("TryAcquire on a bulkhead with Err() = %v = true, want false", b.Err())
		}
		if err := b.Acquire(context.Background()); !errors.Is(err, bulkhead.ErrInvalidConfig) {
			t.Errorf("Acquire = %v, want an error wrapping ErrInvalidConfig", err)
		}
		if b.InUse() != 0 {
			t.Errorf("InUse() = %d, want 0", b.InUse())
		}
	}
}

func TestTryAcquireAndRelease(t *testing.T) {
	// Each step is one call on a bulkhead of 2 slots; want is what it
	// returned and the slots in use after it.
	type step struct {
		op    string // "try" or "release"
		ok    bool
		inUse int
	}
	steps := []step{
		{"try", true, 1},
		{"try", true, 2},
		{"try", false, 2},
		{"release", true, 1},
		{"try", true, 2},
		{"release", true, 1},
		{"release", true, 0},
		{"try", true, 1},
	}
	b := bulkhead.New(2)
	var got []step
	for _, s := range steps {
		ok := true
		if s.op == "try" {
			ok = b.TryAcquire()
		} else {
			b.Release()
		}
		got = append(got, step{s.op, ok, b.InUse()})
	}
	if diff := cmp.Diff(steps, got, cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	if b.Limit() != 2 {
		t.Errorf("Limit() = %d, want 2", b.Limit())
	}
}

func TestAcquireWithoutWait(t *testing.T) {
	b := bulkhead.New(1)
	ctx := context.Background()
	if err := b.Acquire(ctx); err != nil {
		t.Fatalf("first Acquire = %v, want nil", err)
	}
	if err := b.Acquire(ctx); err != bulkhead.ErrFull {
		t.Fatalf("second Acquire = %v, want ErrFull at once", err)
	}
	b.Release()
	if err := b.Acquire(ctx); err != nil {
		t.Fatalf("Acquire after Release = %v, want nil", err)
	}
}

func TestAcquireWithADoneContextTakesNoSlot(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("caller left")
	cancel(cause)
	b := bulkhead.New(1)
	if err := b.Acquire(ctx); err != cause {
		t.Fatalf("Acquire = %v, want the context's cause %v", err, cause)
	}
	if b.InUse() != 0 {
		t.Fatalf("InUse() = %d, want 0", b.InUse())
	}
}

// TestMaxWaitIsExact checks on the fake clock that a waiter gives up
// exactly when the maximum wait has passed, and not a nanosecond sooner.
func TestMaxWaitIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(start)
		b := bulkhead.New(1, bulkhead.WithMaxWait(time.Second), bulkhead.WithClock(clk))
		if !b.TryAcquire() {
			t.Fatal("TryAcquire on an empty bulkhead = false")
		}
		errc := make(chan error, 1)
		go func() { errc <- b.Acquire(context.Background()) }()
		synctest.Wait()
		if d, ok := clk.UntilNext(); !ok || d != time.Second {
			t.Fatalf("the waiter's timer: UntilNext() = %v, %v, want 1s, true", d, ok)
		}
		clk.Advance(time.Second - time.Nanosecond)
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("Acquire returned %v before the maximum wait", err)
		default:
		}
		clk.Advance(time.Nanosecond)
		if err := <-errc; err != bulkhead.ErrFull {
			t.Fatalf("Acquire = %v, want ErrFull", err)
		}
		// The waiter left the queue: a release frees the slot for anyone.
		b.Release()
		if !b.TryAcquire() {
			t.Fatal("TryAcquire after the waiter gave up and the slot came back = false")
		}
		b.Release()
	})
}

// TestAcquireGetsASlotReleasedWhileWaiting checks that a release hands the
// slot to the waiter, and that nobody else can take it in between.
func TestAcquireGetsASlotReleasedWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(start)
		b := bulkhead.New(1, bulkhead.WithMaxWait(time.Minute), bulkhead.WithClock(clk))
		b.TryAcquire()
		errc := make(chan error, 1)
		go func() { errc <- b.Acquire(context.Background()) }()
		synctest.Wait()
		b.Release()
		if b.TryAcquire() {
			t.Fatal("TryAcquire took the slot released to a waiter")
		}
		if err := <-errc; err != nil {
			t.Fatalf("Acquire = %v, want nil", err)
		}
		if b.InUse() != 1 {
			t.Fatalf("InUse() = %d, want 1", b.InUse())
		}
		if clk.Sleepers() != 0 {
			t.Fatalf("the waiter's timer is still pending after it got its slot")
		}
		b.Release()
	})
}

// TestContextEndsTheWait checks that the caller's context ends a wait long
// before the maximum wait, and that Acquire says which ended it.
func TestContextEndsTheWait(t *testing.T) {
	cause := errors.New("shutting down")
	tests := []struct {
		name string
		ctx  func() (context.Context, func())
		want error
	}{
		{"cancel", func() (context.Context, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel
		}, context.Canceled},
		{"cancel with a cause", func() (context.Context, func()) {
			ctx, cancel := context.WithCancelCause(context.Background())
			return ctx, func() { cancel(cause) }
		}, cause},
		{"deadline", func() (context.Context, func()) {
			// Inside the bubble, this deadline passes as soon as every
			// goroutine is blocked: here, once the test waits for
			// Acquire's result.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			return ctx, func() { context.AfterFunc(ctx, cancel) }
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := redresstest.NewClock(start)
				b := bulkhead.New(1, bulkhead.WithMaxWait(time.Hour), bulkhead.WithClock(clk))
				b.TryAcquire()
				ctx, end := tt.ctx()
				errc := make(chan error, 1)
				go func() { errc <- b.Acquire(ctx) }()
				synctest.Wait()
				end()
				if err := <-errc; !errors.Is(err, tt.want) {
					t.Fatalf("Acquire = %v, want %v", err, tt.want)
				}
				if clk.Sleepers() != 0 {
					t.Fatal("the waiter's timer is still pending")
				}
				if b.InUse() != 1 {
					t.Fatalf("InUse() = %d, want 1", b.InUse())
				}
				b.Release()
				if b.InUse() != 0 {
					t.Fatalf("InUse() = %d after the release, want 0", b.InUse())
				}
			})
		})
	}
}

// TestWaitersAreServedInOrder queues three waiters one after the other
// and checks that releases serve them in that order.
func TestWaitersAreServedInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(start)
		b := bulkhead.New(1, bulkhead.WithMaxWait(time.Hour), bulkhead.WithClock(clk))
		b.TryAcquire()
		order := make(chan int, 3)
		for i := range 3 {
			go func() {
				if err := b.Acquire(context.Background()); err != nil {
					t.Errorf("waiter %d: Acquire = %v", i, err)
					return
				}
				order <- i
			}()
			synctest.Wait() // waiter i is queued before the next one comes
		}
		var got []int
		for range 3 {
			b.Release()
			got = append(got, <-order)
		}
		b.Release()
		if diff := cmp.Diff([]int{0, 1, 2}, got); diff != "" {
			t.Errorf("order served (-want +got):\n%s", diff)
		}
		if b.InUse() != 0 {
			t.Errorf("InUse() = %d at the end, want 0", b.InUse())
		}
	})
}

// TestWaiterThatGivesUpLeavesTheQueue checks that the waiter behind one
// that gave up is served next.
func TestWaiterThatGivesUpLeavesTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := redresstest.NewClock(start)
		b := bulkhead.New(1, bulkhead.WithMaxWait(time.Hour), bulkhead.WithClock(clk))
		b.TryAcquire()
		ctx, cancel := context.WithCancel(context.Background())
		first, second := make(chan error, 1), make(chan error, 1)
		go func() { first <- b.Acquire(ctx) }()
		synctest.Wait()
		go func() { second <- b.Acquire(context.Background()) }()
		synctest.Wait()
		cancel()
		if err := <-first; err != context.Canceled {
			t.Fatalf("first waiter: Acquire = %v, want context.Canceled", err)
		}
		b.Release()
		if err := <-second; err != nil {
			t.Fatalf("second waiter: Acquire = %v, want nil", err)
		}
		b.Release()
	})
}

func TestReleaseWithoutAcquirePanics(t *testing.T) {
	b := bulkhead.New(2)
	func() {
		defer func() {
			r := recover()
			if msg, _ := r.(string); !strings.Contains(msg, "without a matching acquire") {
				t.Fatalf("Release on an empty bulkhead: recover() = %v, want a panic naming the fault", r)
			}
		}()
		b.Release()
	}()
	// The bulkhead is as it was.
	if got := [3]bool{b.TryAcquire(), b.TryAcquire(), b.TryAcquire()}; got != [3]bool{true, true, false} {
		t.Fatalf("TryAcquire ×3 after the panic = %v, want [true true false]", got)
	}
}
