package clock_test

import (
	"context"
	"testing"
	"time"

	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/redresstest"
)

// TestReviewStopEndsTheContext: Stop is the context's cancel function.
// Whether or not Done was asked for, the context has ended afterwards, Err,
// Done and Cause agree, and a child made before Stop is cancelled, even
// though the parent lives on.
func TestReviewStopEndsTheContext(t *testing.T) {
	for _, armed := range []bool{false, true} {
		parent, cancel := context.WithCancel(context.Background())
		clk := redresstest.NewClock(time.Unix(0, 0))
		d := clock.NewDeadline(parent, clk, time.Unix(5, 0), errOwn)
		var child context.Context = context.Background()
		if armed {
			var cancelChild context.CancelFunc
			child, cancelChild = context.WithCancel(d)
			defer cancelChild()
		}
		d.Stop()
		select {
		case <-d.Done():
		default:
			t.Errorf("armed %v: Done is not closed after Stop", armed)
		}
		if err := d.Err(); err != context.Canceled {
			t.Errorf("armed %v: Err = %v, want Canceled", armed, err)
		}
		if got := context.Cause(d); got != context.Canceled {
			t.Errorf("armed %v: Cause = %v, want Canceled", armed, got)
		}
		if armed && child.Err() != context.Canceled {
			t.Errorf("child Err = %v, want Canceled at once", child.Err())
		}
		if d.Expired() {
			t.Errorf("armed %v: Expired after Stop", armed)
		}
		if _, ok := clk.UntilNext(); ok {
			t.Errorf("armed %v: a timer is pending after Stop", armed)
		}
		cancel() // the parent's later end changes nothing
		if got := context.Cause(d); got != context.Canceled {
			t.Errorf("armed %v: Cause after the parent's end = %v, want Canceled", armed, got)
		}
	}
}

// TestReviewAdvanceCancelsChildren: the fake clock's Advance that passes
// the deadline has cancelled the Deadline's children by the time it
// returns, as it does for a context.WithTimeout on that clock.
func TestReviewAdvanceCancelsChildren(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	d := clock.NewDeadline(context.Background(), clk, time.Unix(1, 0), errOwn)
	defer d.Stop()
	child, cancel := context.WithCancel(d)
	defer cancel()
	clk.Advance(time.Second)
	if err := child.Err(); err != context.DeadlineExceeded {
		t.Errorf("child Err = %v right after Advance, want DeadlineExceeded", err)
	}
	if got := context.Cause(child); got != errOwn {
		t.Errorf("child Cause = %v, want our cause", got)
	}
}
