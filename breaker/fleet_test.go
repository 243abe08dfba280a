package breaker

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

func TestOpenFor(t *testing.T) {
	runSteps(t, []stepCase{
		{
			name: "half-open at exactly d",
			give: []step{openFor(time.Minute), wait(time.Minute - time.Nanosecond), succeed(), wait(time.Nanosecond), succeed()},
			want: result{
				Log: []string{
					"open for 1m0s closed->open: open", "waited 59.999999999s: open", "rejected: breaker: circuit open, retry in 1ns",
					"waited 1ns: half_open", "ok open->half_open half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "d of 0 or less is the recovery timeout",
			opts: []Option{WithRecoveryTimeout(10 * time.Second)},
			give: []step{openFor(0), succeed(), reset(), openFor(-time.Hour), wait(10 * time.Second)},
			want: result{
				Log: []string{
					"open for 0s closed->open: open", "rejected: breaker: circuit open, retry in 10s",
					"reset open->closed: closed", "open for -1h0m0s closed->open: open", "waited 10s: half_open",
				},
				State: HalfOpen,
			},
		},
		{
			name: "an open breaker stays open for d from now",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{
				fail(transient), wait(10 * time.Second), openFor(5 * time.Second), succeed(),
				openFor(time.Hour), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 10s: open", "open for 5s: open", "rejected: breaker: circuit open, retry in 5s",
					"open for 1h0m0s: open", "rejected: breaker: circuit open, retry in 1h0m0s",
				},
				State: Open, FailureCount: 1,
			},
		},
		{
			name: "a breaker whose open time passed opens again without a change",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{fail(transient), wait(30 * time.Second), openFor(time.Second), succeed()},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "open for 1s: open", "rejected: breaker: circuit open, retry in 1s",
				},
				State: Open, FailureCount: 1,
			},
		},
		{
			name: "a half-open breaker opens and its probes are stale",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{
				fail(transient), wait(30 * time.Second), hold(), openFor(time.Second),
				finish(Success, 0), wait(time.Second), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "open for 1s half_open->open: open",
					"finished", "waited 1s: half_open", "ok open->half_open half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "a late failure from before OpenFor is stale",
			opts: []Option{WithRecoveryTimeout(time.Second)},
			give: []step{hold(), openFor(0), wait(time.Second), succeed(), finish(Failure, transient)},
			want: result{
				Log: []string{
					"held", "open for 0s closed->open: open", "waited 1s: half_open", "ok open->half_open half_open->closed", "finished",
				},
				State: Closed,
			},
		},
		{
			name: "a forced-open breaker is left as it is",
			give: []step{forceOpen(), openFor(time.Second), wait(time.Hour), succeed(), reset()},
			want: result{
				Log: []string{
					"forced open closed->open: open", "open for 1s: open", "waited 1h0m0s: open",
					"rejected: breaker: circuit forced open", "reset open->closed: closed",
				},
				State: Closed,
			},
		},
		{
			name: "a longest duration does not overflow",
			give: []step{openFor(math.MaxInt64), wait(100 * 365 * 24 * time.Hour)},
			want: result{Log: []string{"open for 2562047h47m16.854775807s closed->open: open", "waited 876000h0m0s: open"}, State: Open},
		},
	})
}

func TestAddFailures(t *testing.T) {
	runSteps(t, []stepCase{
		{
			name: "count mode: failures added and recorded count together",
			opts: []Option{WithFailureThreshold(5)},
			give: []step{fail(transient), addFailures(3, classifier.ServerError), fail(transient)},
			want: result{
				Log:   []string{"ok", "added 3 SERVER_ERROR: closed", "ok closed->open"},
				State: Open, FailureCount: 5,
			},
		},
		{
			name: "count mode: added failures alone open",
			opts: []Option{WithFailureThreshold(5)},
			give: []step{addFailures(5, transient), succeed()},
			want: result{
				Log:   []string{"added 5 TRANSIENT closed->open: open", "rejected: breaker: circuit open, retry in 30s"},
				State: Open, FailureCount: 5,
			},
		},
		{
			name: "added failures leave the window",
			opts: []Option{WithFailureThreshold(5), WithWindow(time.Second)},
			give: []step{addFailures(4, transient), wait(time.Second), fail(transient)},
			want: result{Log: []string{"added 4 TRANSIENT: closed", "waited 1s: closed", "ok"}, State: Closed, FailureCount: 1},
		},
		{
			name: "consecutive mode: added failures extend the run",
			opts: []Option{WithConsecutiveFailures(3)},
			give: []step{fail(transient), addFailures(1, transient), run(), fail(transient)},
			want: result{Log: []string{"ok", "added 1 TRANSIENT: closed", "run 2", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "consecutive mode: a local success ends a run of added failures",
			opts: []Option{WithConsecutiveFailures(3)},
			give: []step{addFailures(2, transient), succeed(), fail(transient), run()},
			want: result{Log: []string{"added 2 TRANSIENT: closed", "ok", "ok", "run 1"}, State: Closed, FailureCount: 3},
		},
		{
			name: "failure-rate mode: each added failure is a failed call",
			opts: []Option{WithFailureRate(0.5, 4)},
			give: []step{succeed(), succeed(), addFailures(1, transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "added 1 TRANSIENT: closed", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "a class threshold",
			opts: []Option{WithClassThreshold(classifier.RateLimit, 3)},
			give: []step{addFailures(2, classifier.RateLimit), fail(classifier.RateLimit)},
			want: result{Log: []string{"added 2 RATE_LIMIT: closed", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "a class threshold outside TripOn neither adds to the run nor ends it",
			opts: []Option{WithConsecutiveFailures(2), WithClassThreshold(classifier.RateLimit, 10)},
			give: []step{fail(transient), addFailures(1, classifier.RateLimit), run(), fail(transient)},
			want: result{Log: []string{"ok", "added 1 RATE_LIMIT: closed", "run 1", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "nothing is added for a class that does not count, an invalid class, or n below 1",
			opts: []Option{WithFailureThreshold(1), WithConsecutiveFailures(1)},
			give: []step{
				fail(classifier.Permanent), addFailures(5, classifier.Permanent), addFailures(5, classifier.Class(42)),
				addFailures(0, transient), addFailures(-3, transient), run(),
			},
			want: result{
				Log: []string{
					"ok", "added 5 PERMANENT: closed", "added 5 Class(42): closed",
					"added 0 TRANSIENT: closed", "added -3 TRANSIENT: closed", "run 0",
				},
				State: Closed,
			},
		},
		{
			name: "ignored unless closed",
			opts: []Option{WithFailureThreshold(2), WithRecoveryTimeout(time.Second)},
			give: []step{
				forceOpen(), addFailures(1, transient), reset(), openFor(0), addFailures(1, transient),
				wait(time.Second), hold(), addFailures(5, transient), finish(Success, 0), fail(transient),
			},
			want: result{
				Log: []string{
					"forced open closed->open: open", "added 1 TRANSIENT: open", "reset open->closed: closed",
					"open for 0s closed->open: open", "added 1 TRANSIENT: open", "waited 1s: half_open",
					"held open->half_open", "added 5 TRANSIENT: half_open", "finished half_open->closed", "ok",
				},
				State: Closed, FailureCount: 1,
			},
		},
		{
			name: "a huge n counts as 4294967295",
			opts: []Option{WithConsecutiveFailures(maxConsecutive), WithFailureThreshold(math.MaxInt)},
			give: []step{addFailures(math.MaxInt, transient), run()},
			want: result{
				Log:   []string{"added 9223372036854775807 TRANSIENT closed->open: open", "run 0"},
				State: Open, FailureCount: maxConsecutive,
			},
		},
	})
}

func TestOpenUntil(t *testing.T) {
	clk := newFakeClock()
	start := clk.Now()
	b := New(WithClock(clk), WithFailureThreshold(1), WithRecoveryTimeout(10*time.Second))
	var got []string
	look := func(what string) {
		s := "zero"
		if u := b.OpenUntil(); !u.IsZero() {
			s = u.Sub(start).String()
		}
		var oe *OpenError
		if _, err := b.Allow(); errors.As(err, &oe) {
			s += fmt.Sprintf(", rejected with RetryIn %v", oe.RetryIn)
		}
		got = append(got, what+": "+s)
	}
	look("closed")
	b.OpenFor(time.Minute)
	look("open for a minute")
	clk.Advance(20 * time.Second)
	look("20 s later")
	clk.Advance(40 * time.Second)
	look("at the minute") // this Allow takes the probe
	look("half-open")
	b.ForceOpen()
	look("forced open")
	b.Reset()
	tk, _ := b.Allow()
	b.Record(tk, Failure, transient)
	look("tripped")

	want := []string{
		"closed: zero",
		"open for a minute: 1m0s, rejected with RetryIn 1m0s",
		"20 s later: 1m0s, rejected with RetryIn 40s",
		"at the minute: zero",
		"half-open: zero, rejected with RetryIn 0s",
		"forced open: zero, rejected with RetryIn 0s",
		"tripped: 1m10s, rejected with RetryIn 10s",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OpenUntil (since the breaker was made) and the rejection's RetryIn (-want +got):\n%s", diff)
	}
}
