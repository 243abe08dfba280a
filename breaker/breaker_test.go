package breaker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

// harness drives a breaker on a fake clock through a table's steps.
type harness struct {
	b        *Breaker
	clk      *fakeClock
	held     []Ticket     // tickets of calls in flight, oldest first
	returned []Transition // changes returned by Allow, Record, ForceOpen and Reset
	heard    []Transition // changes the listener heard
}

// step does one thing to the breaker and describes what happened.
type step func(h *harness) string

// call makes one call with outcome o and class cl.
func call(o Outcome, cl classifier.Class) step {
	return func(h *harness) string {
		t, err := h.b.Allow()
		if err != nil {
			return "rejected: " + err.Error()
		}
		return "ok" + h.note(t.Transition) + h.note(h.b.Record(t, o, cl))
	}
}

func fail(cl classifier.Class) step { return call(Failure, cl) }
func succeed() step                 { return call(Success, classifier.Unknown) }

// hold starts a call and keeps it in flight.
func hold() step {
	return func(h *harness) string {
		t, err := h.b.Allow()
		if err != nil {
			return "rejected: " + err.Error()
		}
		h.held = append(h.held, t)
		return "held" + h.note(t.Transition)
	}
}

// finish ends the oldest call in flight with outcome o and class cl.
func finish(o Outcome, cl classifier.Class) step {
	return func(h *harness) string {
		t := h.held[0]
		h.held = h.held[1:]
		return "finished" + h.note(h.b.Record(t, o, cl))
	}
}

func wait(d time.Duration) step {
	return func(h *harness) string {
		h.clk.Advance(d)
		return "waited " + d.String() + ": " + h.b.State().String()
	}
}

func forceOpen() step {
	return func(h *harness) string {
		tr := h.b.ForceOpen()
		return "forced open" + h.note(tr) + ": " + h.b.State().String()
	}
}

func reset() step {
	return func(h *harness) string {
		tr := h.b.Reset()
		return "reset" + h.note(tr) + ": " + h.b.State().String()
	}
}

// note remembers tr if it is a change, and describes it.
func (h *harness) note(tr Transition) string {
	if !tr.Changed() {
		return ""
	}
	h.returned = append(h.returned, tr)
	return " " + tr.String()
}

type result struct {
	Log          []string
	State        State
	FailureCount int
}

func TestStateMachine(t *testing.T) {
	const (
		transient = classifier.Transient
		server    = classifier.ServerError
	)
	tests := []struct {
		name string
		opts []Option
		give []step
		want result
	}{
		{
			name: "default threshold of 5 trips",
			give: []step{fail(transient), fail(server), fail(transient), fail(server), fail(transient), succeed()},
			want: result{
				Log:   []string{"ok", "ok", "ok", "ok", "ok closed->open", "rejected: breaker: circuit open, retry in 30s"},
				State: Open, FailureCount: 5,
			},
		},
		{
			name: "successes do not reset the count",
			opts: []Option{WithFailureThreshold(3)},
			give: []step{fail(transient), succeed(), fail(transient), succeed(), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "classes outside TripOn count as successes",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{
				fail(classifier.Permanent), fail(classifier.Unknown), fail(classifier.RateLimit),
				fail(classifier.Auth), fail(classifier.Class(99)), call(Cancelled, transient),
			},
			want: result{Log: []string{"ok", "ok", "ok", "ok", "ok", "ok"}, State: Closed},
		},
		{
			name: "WithTripOn replaces the default classes",
			opts: []Option{WithFailureThreshold(2), WithTripOn(classifier.Unknown), WithTripOn(classifier.Concurrency)},
			give: []step{fail(transient), fail(server), fail(classifier.Unknown), fail(classifier.Concurrency), fail(classifier.Concurrency)},
			want: result{Log: []string{"ok", "ok", "ok", "ok", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "panics count even with no TripOn classes",
			opts: []Option{WithFailureThreshold(2), WithTripOn()},
			give: []step{fail(transient), call(Panicked, classifier.Permanent), call(Panicked, classifier.Unknown)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 2},
		},
		{
			name: "failures older than the window stop counting",
			opts: []Option{WithFailureThreshold(3), WithWindow(10 * time.Second)},
			give: []step{fail(transient), fail(transient), wait(10 * time.Second), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "waited 10s: closed", "ok", "ok"}, State: Closed, FailureCount: 2},
		},
		{
			name: "failures within the window keep counting",
			opts: []Option{WithFailureThreshold(3), WithWindow(10 * time.Second)},
			give: []step{fail(transient), wait(5 * time.Second), fail(transient), wait(4 * time.Second), fail(transient)},
			want: result{
				Log:   []string{"ok", "waited 5s: closed", "ok", "waited 4s: closed", "ok closed->open"},
				State: Open, FailureCount: 3,
			},
		},
		{
			name: "a class threshold trips below the breaker's threshold",
			opts: []Option{WithClassThreshold(classifier.RateLimit, 2)},
			give: []step{fail(classifier.RateLimit), fail(transient), fail(classifier.RateLimit)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "a class threshold counts only its class",
			opts: []Option{WithFailureThreshold(10), WithClassThreshold(transient, 2)},
			give: []step{fail(server), fail(server), fail(server), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok", "ok", "ok closed->open"}, State: Open, FailureCount: 5},
		},
		{
			name: "repeating a class threshold replaces it",
			opts: []Option{WithClassThreshold(classifier.RateLimit, 1), WithClassThreshold(classifier.RateLimit, 3)},
			give: []step{fail(classifier.RateLimit), fail(classifier.RateLimit), fail(classifier.RateLimit)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "class failures leave the window too",
			opts: []Option{WithClassThreshold(classifier.RateLimit, 2), WithWindow(time.Second)},
			give: []step{fail(classifier.RateLimit), wait(time.Second), fail(classifier.RateLimit)},
			want: result{Log: []string{"ok", "waited 1s: closed", "ok"}, State: Closed, FailureCount: 1},
		},
		{
			name: "open until the recovery timeout, then a probe closes it",
			opts: []Option{WithFailureThreshold(1), WithRecoveryTimeout(10 * time.Second)},
			give: []step{fail(transient), wait(4 * time.Second), succeed(), wait(6 * time.Second), succeed(), succeed()},
			want: result{
				Log: []string{
					"ok closed->open", "waited 4s: open", "rejected: breaker: circuit open, retry in 6s",
					"waited 6s: half_open", "ok open->half_open half_open->closed", "ok",
				},
				State: Closed, FailureCount: 0,
			},
		},
		{
			name: "a failed probe opens again for a full recovery timeout",
			opts: []Option{WithFailureThreshold(1), WithRecoveryTimeout(10 * time.Second)},
			give: []step{fail(transient), wait(10 * time.Second), fail(server), succeed(), wait(9 * time.Second), succeed()},
			want: result{
				Log: []string{
					"ok closed->open", "waited 10s: half_open", "ok open->half_open half_open->open",
					"rejected: breaker: circuit open, retry in 10s", "waited 9s: open",
					"rejected: breaker: circuit open, retry in 1s",
				},
				State: Open, FailureCount: 2,
			},
		},
		{
			name: "a probe of a class with its own threshold fails",
			opts: []Option{WithFailureThreshold(1), WithClassThreshold(classifier.RateLimit, 5)},
			give: []step{fail(transient), wait(30 * time.Second), fail(classifier.RateLimit)},
			want: result{
				Log:   []string{"ok closed->open", "waited 30s: half_open", "ok open->half_open half_open->open"},
				State: Open, FailureCount: 2,
			},
		},
		{
			name: "a probe failing with a class outside TripOn is a success",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{fail(transient), wait(30 * time.Second), fail(classifier.Permanent)},
			want: result{
				Log:   []string{"ok closed->open", "waited 30s: half_open", "ok open->half_open half_open->closed"},
				State: Closed,
			},
		},
		{
			name: "all n probes must succeed to close",
			opts: []Option{WithFailureThreshold(1), WithHalfOpenProbes(3)},
			give: []step{
				fail(transient), wait(30 * time.Second), hold(), hold(), hold(), succeed(),
				finish(Success, 0), finish(Success, 0), finish(Success, 0), succeed(),
			},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "held", "held",
					"rejected: breaker: circuit half-open, all probe slots taken",
					"finished", "finished", "finished half_open->closed", "ok",
				},
				State: Closed,
			},
		},
		{
			name: "one failed probe of n opens",
			opts: []Option{WithFailureThreshold(1), WithHalfOpenProbes(2)},
			give: []step{fail(transient), wait(30 * time.Second), hold(), hold(), finish(Success, 0), finish(Failure, transient)},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "held",
					"finished", "finished half_open->open",
				},
				State: Open, FailureCount: 2,
			},
		},
		{
			name: "a cancelled probe frees its slot",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{fail(transient), wait(30 * time.Second), hold(), succeed(), finish(Cancelled, 0), succeed()},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open",
					"rejected: breaker: circuit half-open, all probe slots taken", "finished",
					"ok half_open->closed",
				},
				State: Closed,
			},
		},
		{
			name: "a late failure from before the trip is ignored",
			opts: []Option{WithFailureThreshold(2)},
			give: []step{hold(), fail(transient), fail(transient), wait(30 * time.Second), succeed(), finish(Failure, transient), fail(transient)},
			want: result{
				Log: []string{
					"held", "ok", "ok closed->open", "waited 30s: half_open", "ok open->half_open half_open->closed",
					"finished", "ok",
				},
				State: Closed, FailureCount: 1,
			},
		},
		{
			name: "a late success from before the trip does not close",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{hold(), fail(transient), wait(30 * time.Second), hold(), finish(Success, 0), succeed()},
			want: result{
				Log: []string{
					"held", "ok closed->open", "waited 30s: half_open", "held open->half_open", "finished",
					"rejected: breaker: circuit half-open, all probe slots taken",
				},
				State: HalfOpen, FailureCount: 1,
			},
		},
		{
			name: "a late probe outcome after a reset is ignored",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{fail(transient), wait(30 * time.Second), hold(), reset(), finish(Failure, transient)},
			want: result{
				Log:   []string{"ok closed->open", "waited 30s: half_open", "held open->half_open", "reset half_open->closed: closed", "finished"},
				State: Closed,
			},
		},
		{
			name: "forced open stays open past the recovery timeout",
			give: []step{forceOpen(), wait(time.Hour), succeed(), forceOpen(), reset(), succeed()},
			want: result{
				Log: []string{
					"forced open closed->open: open", "waited 1h0m0s: open", "rejected: breaker: circuit forced open",
					"forced open: open", "reset open->closed: closed", "ok",
				},
				State: Closed,
			},
		},
		{
			name: "forcing open a half-open breaker",
			opts: []Option{WithFailureThreshold(1)},
			give: []step{fail(transient), wait(30 * time.Second), hold(), forceOpen(), finish(Success, 0), wait(time.Hour)},
			want: result{
				Log: []string{
					"ok closed->open", "waited 30s: half_open", "held open->half_open", "forced open half_open->open: open",
					"finished", "waited 1h0m0s: open",
				},
				State: Open, FailureCount: 0,
			},
		},
		{
			name: "reset empties the window",
			opts: []Option{WithFailureThreshold(3)},
			give: []step{fail(transient), fail(transient), reset(), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "reset: closed", "ok", "ok"}, State: Closed, FailureCount: 2},
		},
		{
			name: "failure rate: a success can trip once min calls are seen",
			opts: []Option{WithFailureRate(0.5, 4)},
			give: []step{fail(transient), fail(transient), fail(transient), succeed()},
			want: result{Log: []string{"ok", "ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "failure rate: trips when the ratio is reached",
			opts: []Option{WithFailureRate(0.5, 4)},
			give: []step{
				succeed(), succeed(), succeed(), fail(transient), succeed(), fail(transient), // 2 of 6
				fail(classifier.Permanent), fail(transient), fail(transient), // 3 of 8, 4 of 9
				call(Cancelled, transient), fail(transient), // 5 of 10
			},
			want: result{
				Log:   []string{"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok closed->open"},
				State: Open, FailureCount: 5,
			},
		},
		{
			name: "failure rate: calls older than the window stop counting",
			opts: []Option{WithFailureRate(0.5, 2), WithWindow(10 * time.Second)},
			give: []step{succeed(), succeed(), succeed(), wait(10 * time.Second), fail(transient), fail(transient)},
			want: result{
				Log:   []string{"ok", "ok", "ok", "waited 10s: closed", "ok", "ok closed->open"},
				State: Open, FailureCount: 2,
			},
		},
		{
			name: "failure rate replaces the failure threshold",
			opts: []Option{WithFailureThreshold(1), WithFailureRate(1, 3)},
			give: []step{fail(transient), fail(transient), fail(transient)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 3},
		},
		{
			name: "failure rate with a class threshold",
			opts: []Option{WithFailureRate(0.9, 100), WithClassThreshold(classifier.RateLimit, 2)},
			give: []step{fail(classifier.RateLimit), succeed(), fail(classifier.RateLimit)},
			want: result{Log: []string{"ok", "ok", "ok closed->open"}, State: Open, FailureCount: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &harness{clk: newFakeClock()}
			opts := append([]Option{WithClock(h.clk), WithOnStateChange(func(from, to State) {
				h.heard = append(h.heard, Transition{From: from, To: to})
			})}, tt.opts...)
			h.b = New(opts...)
			if err := h.b.Err(); err != nil {
				t.Fatalf("New: %v", err)
			}
			var got result
			for _, s := range tt.give {
				got.Log = append(got.Log, s(h))
			}
			got.State, got.FailureCount = h.b.State(), h.b.FailureCount()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(h.returned, h.heard); diff != "" {
				t.Errorf("listener heard other changes than were made (-made +heard):\n%s", diff)
			}
		})
	}
}
