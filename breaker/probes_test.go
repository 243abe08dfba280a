package breaker

import (
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

const (
	slotsTaken = "rejected: breaker: circuit half-open, all probe slots taken"
	transient  = classifier.Transient
)

func TestSuccessThreshold(t *testing.T) {
	runSteps(t, []stepCase{
		{
			name: "more successes than probes: each success frees its slot",
			opts: []Option{WithFailureThreshold(1), WithSuccessThreshold(3)},
			give: []step{
				fail(transient), wait(30 * time.Second),
				hold(), hold(), finish(Success, 0), succeed(), hold(), hold(), finish(Success, 0), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open",
					"held open->half_open", slotsTaken, "finished", "ok", "held", slotsTaken, "finished half_open->closed", "ok",
				},
				State: Closed,
			},
		},
		{
			name: "more successes than probes: never more probes than the successes still needed",
			opts: []Option{WithFailureThreshold(1), WithHalfOpenProbes(2), WithSuccessThreshold(3)},
			give: []step{
				fail(transient), wait(30 * time.Second),
				hold(), hold(), hold(), finish(Success, 0), hold(), hold(),
				finish(Success, 0), hold(), finish(Success, 0),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open",
					"held open->half_open", "held", slotsTaken, "finished", "held", slotsTaken,
					"finished", slotsTaken, "finished half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "fewer successes than probes: the first success closes",
			opts: []Option{WithFailureThreshold(1), WithHalfOpenProbes(3), WithSuccessThreshold(1)},
			give: []step{
				fail(transient), wait(30 * time.Second),
				hold(), hold(), hold(), succeed(), finish(Success, 0), finish(Failure, transient), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open",
					"held open->half_open", "held", "held", slotsTaken, "finished half_open->closed", "finished", "ok",
				},
				State: Closed,
			},
		},
		{
			name: "fewer successes than probes: no more probes than the probes",
			opts: []Option{WithFailureThreshold(1), WithHalfOpenProbes(3), WithSuccessThreshold(2)},
			give: []step{
				fail(transient), wait(30 * time.Second),
				hold(), hold(), hold(), finish(Cancelled, 0), hold(), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open",
					"held open->half_open", "held", "held", "finished", "held", slotsTaken,
				},
				State: HalfOpen, FailureCount: 1,
			},
		},
		{
			name: "one failure opens, whatever succeeded before",
			opts: []Option{WithFailureThreshold(1), WithSuccessThreshold(3)},
			give: []step{fail(transient), wait(30 * time.Second), succeed(), succeed(), fail(classifier.ServerError)},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open",
					"ok open->half_open", "ok", "ok half_open->open",
				},
				State: Open, FailureCount: 2,
			},
		},
		{
			name: "the successes start again in the next half-open period",
			opts: []Option{WithFailureThreshold(1), WithSuccessThreshold(2), WithRecoveryTimeout(time.Second)},
			give: []step{
				fail(transient), wait(time.Second), succeed(), fail(transient),
				wait(time.Second), succeed(), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 1s: half_open", "ok open->half_open", "ok half_open->open",
					"waited 1s: half_open", "ok open->half_open", "ok half_open->closed",
				},
				State: Closed,
			},
		},
	})
}

func TestMaxProbeWait(t *testing.T) {
	runSteps(t, []stepCase{
		{
			name: "a lost probe is reclaimed after 5 minutes by default",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{
				fail(transient), wait(30 * time.Second), hold(),
				wait(5*time.Minute - time.Nanosecond), succeed(), wait(time.Nanosecond), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open",
					"waited 4m59.999999999s: half_open", slotsTaken,
					"waited 1ns: half_open", "ok half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "the outcome of a reclaimed probe is stale",
			opts: []Option{WithFailureThreshold(1), WithMaxProbeWait(time.Minute)},
			give: []step{
				fail(transient), wait(30 * time.Second), hold(), wait(time.Minute), hold(),
				finish(Failure, transient), finish(Success, 0),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "waited 1m0s: half_open", "held",
					"finished", "finished half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "a late success of a reclaimed probe does not close",
			opts: []Option{WithFailureThreshold(1), WithMaxProbeWait(time.Minute)},
			give: []step{
				fail(transient), wait(30 * time.Second), hold(), wait(time.Minute), hold(),
				finish(Success, 0), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "waited 1m0s: half_open", "held",
					"finished", slotsTaken,
				},
				State: HalfOpen, FailureCount: 0, // the failure that opened it has left the window
			},
		},
		{
			name: "no probe is reclaimed before it has been out for the wait",
			opts: []Option{WithFailureThreshold(1), WithHalfOpenProbes(2), WithMaxProbeWait(10 * time.Second)},
			give: []step{
				fail(transient), wait(30 * time.Second),
				hold(), wait(4 * time.Second), hold(), finishNewest(Success, 0), succeed(),
				wait(6 * time.Second), succeed(), wait(4 * time.Second), hold(),
				finish(Failure, transient), finish(Success, 0),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open",
					"held open->half_open", "waited 4s: half_open", "held", "finished newest", slotsTaken,
					"waited 6s: half_open", slotsTaken, "waited 4s: half_open", "held",
					"finished", "finished half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "successes before the reclaim still count",
			opts: []Option{WithFailureThreshold(1), WithSuccessThreshold(2), WithMaxProbeWait(time.Minute)},
			give: []step{
				fail(transient), wait(30 * time.Second), succeed(), hold(), wait(time.Minute), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "ok open->half_open", "held", "waited 1m0s: half_open",
					"ok half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "0 turns reclaiming off",
			opts: []Option{WithFailureThreshold(1), WithMaxProbeWait(0)},
			give: []step{fail(transient), wait(30 * time.Second), hold(), wait(100 * time.Hour), succeed()},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "waited 100h0m0s: half_open", slotsTaken,
				},
				State: HalfOpen,
			},
		},
	})
}
