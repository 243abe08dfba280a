package clock_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/redresstest"
)

var errOwn = errors.New("our own deadline")

func TestDeadlineLazyErrFollowsTheClock(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	d := clock.NewDeadline(context.Background(), clk, time.Unix(10, 0), errOwn)
	defer d.Stop()
	if err := d.Err(); err != nil {
		t.Fatalf("Err before the deadline = %v, want nil", err)
	}
	if n := clk.Sleepers(); n != 0 {
		t.Errorf("timers armed before Done: %d, want 0", n)
	}
	clk.Advance(10 * time.Second)
	if err := d.Err(); err != context.DeadlineExceeded {
		t.Errorf("Err at the deadline = %v, want DeadlineExceeded", err)
	}
	if got := context.Cause(d); got != errOwn {
		t.Errorf("Cause = %v, want our cause", got)
	}
	select {
	case <-d.Done():
	default:
		t.Error("Done not closed after Err reported the deadline")
	}
	if !d.Expired() {
		t.Error("Expired = false after the deadline")
	}
}

func TestDeadlineDoneArmsATimerOnTheClock(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	d := clock.NewDeadline(context.Background(), clk, time.Unix(5, 0), errOwn)
	defer d.Stop()
	done := d.Done()
	if d.Done() != done {
		t.Fatal("Done returned two different channels")
	}
	clk.Advance(4 * time.Second)
	select {
	case <-done:
		t.Fatal("Done closed a second early")
	default:
	}
	clk.Advance(time.Second)
	<-done // the fake clock's AfterFunc closes it; a hang here fails the test by timeout
	if err := d.Err(); err != context.DeadlineExceeded {
		t.Errorf("Err = %v, want DeadlineExceeded", err)
	}
}

func TestDeadlineFollowsItsParent(t *testing.T) {
	cause := errors.New("caller left")
	for _, armed := range []bool{false, true} {
		parent, cancel := context.WithCancelCause(context.Background())
		clk := redresstest.NewClock(time.Unix(0, 0))
		d := clock.NewDeadline(parent, clk, time.Unix(5, 0), errOwn)
		if armed {
			d.Done()
		}
		cancel(cause)
		if armed {
			<-d.Done()
		}
		if err := d.Err(); err != context.Canceled {
			t.Errorf("armed %v: Err = %v, want Canceled", armed, err)
		}
		if got := context.Cause(d); got != cause {
			t.Errorf("armed %v: Cause = %v, want the parent's", armed, got)
		}
		if d.Expired() {
			t.Errorf("armed %v: Expired = true for the parent's end", armed)
		}
		d.Stop()
	}
}

func TestDeadlineChildrenRegisterWithoutAGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancelParent := context.WithCancel(context.Background())
		defer cancelParent()
		d := clock.NewDeadline(parent, clock.Real, time.Now().Add(time.Second), errOwn)
		defer d.Stop()
		child, cancel := context.WithCancel(d)
		defer cancel()
		synctest.Wait() // a goroutine following d would be durably blocked here: none must exist
		<-child.Done()
		if err := child.Err(); err != context.DeadlineExceeded {
			t.Errorf("child Err = %v, want DeadlineExceeded", err)
		}
		if got := context.Cause(child); got != errOwn {
			t.Errorf("child Cause = %v, want our cause", got)
		}
	})
}

func TestDeadlineStopReleasesTimer(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	d := clock.NewDeadline(context.Background(), clk, time.Unix(5, 0), errOwn)
	d.Done()
	d.Stop()
	if _, ok := clk.UntilNext(); ok {
		t.Error("a timer is still pending after Stop")
	}
}

func TestDeadlineReportsTheEarlierDeadline(t *testing.T) {
	early := time.Now().Add(time.Second)
	parent, cancel := context.WithDeadline(context.Background(), early)
	defer cancel()
	d := clock.NewDeadline(parent, clock.Real, early.Add(time.Hour), nil)
	if got, ok := d.Deadline(); !ok || !got.Equal(early) {
		t.Errorf("Deadline = %v, %v; want the parent's %v", got, ok, early)
	}
	// On another clock the parent's real deadline is not comparable.
	fake := redresstest.NewClock(time.Unix(0, 0))
	d2 := clock.NewDeadline(parent, fake, time.Unix(7, 0), nil)
	if got, _ := d2.Deadline(); !got.Equal(time.Unix(7, 0)) {
		t.Errorf("Deadline on a fake clock = %v, want its own", got)
	}
	if got := d2.Value("missing"); got != nil {
		t.Errorf("Value = %v, want the parent's nil", got)
	}
}

func TestDeadlineAfterFuncStop(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	d := clock.NewDeadline(context.Background(), clk, time.Unix(5, 0), nil)
	defer d.Stop()
	ran := make(chan struct{})
	stop := d.AfterFunc(func() { close(ran) })
	if !stop() {
		t.Error("stop = false for a function that had not run")
	}
	if stop() {
		t.Error("second stop = true")
	}
	ran2 := make(chan struct{})
	d.AfterFunc(func() { close(ran2) })
	clk.Advance(5 * time.Second)
	<-ran2
	select {
	case <-ran:
		t.Error("a stopped function ran")
	default:
	}
}

func TestDeadlineAllocatesOnceUntilDone(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx := context.Background()
	dl := time.Now().Add(time.Hour)
	allocs := testing.AllocsPerRun(100, func() {
		d := clock.NewDeadline(ctx, clock.Real, dl, nil)
		_ = d.Err()
		_, _ = d.Deadline()
		d.Stop()
	})
	if allocs > 1 {
		t.Errorf("allocs = %v, want at most 1", allocs)
	}
}

// TestDeadlineConcurrentUse races Done, Err, Expired, AfterFunc, children
// and Stop against the deadline firing: every registered function runs
// exactly once unless stopped, every view agrees once it has ended, and
// nothing deadlocks (run with -race).
func TestDeadlineConcurrentUse(t *testing.T) {
	for round := range 50 {
		parent, cancelParent := context.WithCancel(context.Background())
		clk := redresstest.NewClock(time.Unix(0, 0))
		d := clock.NewDeadline(parent, clk, time.Unix(1, 0), errOwn)
		var wg sync.WaitGroup
		var ran, stopped atomic.Int64
		for i := range 8 {
			wg.Go(func() {
				switch i % 4 {
				case 0:
					<-d.Done()
				case 1:
					for d.Err() == nil {
						runtime.Gosched()
					}
				case 2:
					child, cancel := context.WithCancel(d)
					<-child.Done()
					cancel()
				case 3:
					stop := d.AfterFunc(func() { ran.Add(1) })
					if i == 3 && stop() {
						stopped.Add(1)
					}
				}
			})
		}
		if round%2 == 0 {
			clk.Advance(time.Second)
		} else {
			cancelParent()
		}
		wg.Wait()
		cancelParent()
		d.Stop()
		for ran.Load()+stopped.Load() < 2 { // the two AfterFunc registrations
			runtime.Gosched()
		}
		if got := ran.Load() + stopped.Load(); got != 2 {
			t.Fatalf("round %d: %d functions run or stopped, want 2", round, got)
		}
		wantOwn := round%2 == 0
		if d.Expired() != wantOwn {
			t.Fatalf("round %d: Expired = %v, want %v", round, d.Expired(), wantOwn)
		}
	}
}

// TestDeadlineStopRacesFirstDone: a first Done racing with Stop on a
// context nobody armed always ends up closed and Canceled, with no timer
// left behind.
func TestDeadlineStopRacesFirstDone(t *testing.T) {
	for range 500 {
		clk := redresstest.NewClock(time.Unix(0, 0))
		d := clock.NewDeadline(context.Background(), clk, time.Unix(60, 0), errOwn)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var ch <-chan struct{}
		wg.Go(func() { <-start; ch = d.Done() })
		wg.Go(func() { <-start; d.Stop() })
		close(start)
		wg.Wait()
		select {
		case <-ch:
		default:
			t.Fatal("Done not closed after Stop")
		}
		if err := d.Err(); err != context.Canceled {
			t.Fatalf("Err = %v, want Canceled", err)
		}
		if _, pending := clk.UntilNext(); pending {
			t.Fatal("a timer outlived Stop")
		}
	}
}
