package breaker

import (
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

func TestConsecutiveFailures(t *testing.T) {
	const (
		transient = classifier.Transient
		server    = classifier.ServerError
	)
	runSteps(t, []stepCase{
		{
			name: "opens after n failures in a row",
			opts: []Option{WithConsecutiveFailures(3)},
			give: []step{fail(transient), fail(server), run(), fail(transient), succeed()},
			want: result{
				Log:   []string{"ok", "ok", "run 2", "ok closed->open", "rejected: breaker: circuit open, retry in 30s"},
				State: Open, FailureCount: 3,
			},
		},
		{
			name: "a success ends the run",
			opts: []Option{WithConsecutiveFailures(3)},
			give: []step{fail(transient), fail(transient), succeed(), run(), fail(transient), fail(transient), run()},
			want: result{Log: []string{"ok", "ok", "ok", "run 0", "ok", "ok", "run 2"}, State: Closed, FailureCount: 4},
		},
		{
			name: "a failure of a class outside TripOn ends the run",
			opts: []Option{WithConsecutiveFailures(2)},
			give: []step{fail(transient), fail(classifier.Permanent), run(), fail(transient), run()},
			want: result{Log: []string{"ok", "ok", "run 0", "ok", "run 1"}, State: Closed, FailureCount: 2},
		},
		{
			name: "a cancelled call neither adds to the run nor ends it",
			opts: []Option{WithConsecutiveFailures(2)},
			give: []step{fail(transient), call(Cancelled, transient), run(), fail(transient)},
			want: result{Log: []string{"ok", "ok", "run 1", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "panics count",
			opts: []Option{WithConsecutiveFailures(2), WithTripOn()},
			give: []step{call(Panicked, classifier.Unknown), call(Panicked, classifier.Unknown)},
			want: result{Log: []string{"ok", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "failures far apart in time are still in a row",
			opts: []Option{WithConsecutiveFailures(2), WithWindow(time.Second)},
			give: []step{fail(transient), wait(time.Hour), fail(transient)},
			want: result{Log: []string{"ok", "waited 1h0m0s: closed", "ok closed->open"}, State: Open, FailureCount: 1},
		},
		{
			name: "the failure threshold is not used, given before",
			opts: []Option{WithFailureThreshold(1), WithConsecutiveFailures(3)},
			give: []step{fail(transient), fail(transient), succeed(), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok", "ok", "ok"}, State: Closed, FailureCount: 4},
		},
		{
			name: "the failure threshold is not used, given after",
			opts: []Option{WithConsecutiveFailures(3), WithFailureThreshold(1)},
			give: []step{fail(transient), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "a later failure rate wins",
			opts: []Option{WithConsecutiveFailures(1), WithFailureRate(1, 3)},
			give: []step{fail(transient), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "a later consecutive mode wins over a failure rate",
			opts: []Option{WithFailureRate(0.1, 1), WithConsecutiveFailures(2)},
			give: []step{fail(transient), succeed(), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "a class threshold counts in the window, whatever the run",
			opts: []Option{WithConsecutiveFailures(10), WithClassThreshold(classifier.RateLimit, 2)},
			give: []step{fail(classifier.RateLimit), succeed(), succeed(), fail(classifier.RateLimit)},
			want: result{Log: []string{"ok", "ok", "ok", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "a class threshold leaves the window",
			opts: []Option{WithConsecutiveFailures(10), WithClassThreshold(classifier.RateLimit, 2), WithWindow(time.Second)},
			give: []step{fail(classifier.RateLimit), wait(time.Second), fail(classifier.RateLimit)},
			want: result{Log: []string{"ok", "waited 1s: closed", "ok"}, State: Closed, FailureCount: 1},
		},
		{
			name: "a failure with only a class threshold ends the run",
			opts: []Option{WithConsecutiveFailures(2), WithClassThreshold(classifier.RateLimit, 5)},
			give: []step{fail(transient), fail(classifier.RateLimit), run(), fail(transient)},
			want: result{Log: []string{"ok", "ok", "run 0", "ok"}, State: Closed, FailureCount: 3},
		},
		{
			name: "a class in TripOn with a threshold adds to both",
			opts: []Option{WithConsecutiveFailures(2), WithClassThreshold(transient, 5)},
			give: []step{fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "the run starts again when the breaker closes",
			opts: []Option{WithConsecutiveFailures(2), WithRecoveryTimeout(time.Second)},
			give: []step{
				fail(transient), fail(transient), wait(time.Second), succeed(), run(),
				fail(transient), run(),
			},
			want: result{
				Log: []string{
					"ok", "ok closed->open", "waited 1s: half_open", "ok open->half_open half_open->closed", "run 0",
					"ok", "run 1",
				},
				State: Closed, FailureCount: 1,
			},
		},
		{
			name: "a late failure from before the trip does not add to the next run",
			opts: []Option{WithConsecutiveFailures(2), WithRecoveryTimeout(time.Second)},
			give: []step{
				hold(), fail(transient), fail(transient), wait(time.Second), succeed(),
				finish(Failure, transient), run(), fail(transient),
			},
			want: result{
				Log: []string{
					"held", "ok", "ok closed->open", "waited 1s: half_open", "ok open->half_open half_open->closed",
					"finished", "run 0", "ok",
				},
				State: Closed, FailureCount: 1,
			},
		},
		{
			name: "a late success from before a reset does not end the next run",
			opts: []Option{WithConsecutiveFailures(3)},
			give: []step{hold(), forceOpen(), reset(), fail(transient), fail(transient), finish(Success, 0), run(), fail(transient)},
			want: result{
				Log: []string{
					"held", "forced open closed->open: open", "reset open->closed: closed", "ok", "ok",
					"finished", "run 2", "ok closed->open",
				},
				State: Open, FailureCount: 3,
			},
		},
		{
			name: "reset ends the run of a closed breaker",
			opts: []Option{WithConsecutiveFailures(3)},
			give: []step{fail(transient), fail(transient), reset(), run(), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "reset: closed", "run 0", "ok", "ok"}, State: Closed, FailureCount: 2},
		},
		{
			name: "the run is kept in the other modes too",
			give: []step{fail(transient), fail(transient), run(), succeed(), run()},
			want: result{Log: []string{"ok", "ok", "run 2", "ok", "run 0"}, State: Closed, FailureCount: 2},
		},
	})
}
