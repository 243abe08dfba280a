package breaker

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
)

func TestMetrics(t *testing.T) {
	clk := newFakeClock()
	at := func(d time.Duration) time.Time { return newFakeClock().Now().Add(d) }
	do := func(b *Breaker, o Outcome, cl classifier.Class) {
		if tk, err := b.Allow(); err == nil {
			b.Record(tk, o, cl)
		}
	}
	b := New(WithClock(clk), WithFailureThreshold(4), WithRecoveryTimeout(10*time.Second), WithHalfOpenProbes(2))
	var held Ticket

	tests := []struct {
		name string
		give func()
		want Metrics
	}{
		{
			name: "new",
			give: func() {},
			want: Metrics{State: Closed, StateSince: at(0)},
		},
		{
			name: "three counted failures, the last one after a success",
			give: func() {
				clk.Advance(time.Second)
				do(b, Failure, transient)
				do(b, Failure, classifier.ServerError)
				do(b, Failure, classifier.Permanent) // the dependency answered
				do(b, Failure, transient)
			},
			want: Metrics{State: Closed, StateSince: at(0), Failures: 3, ConsecutiveFailures: 1},
		},
		{
			name: "tripped, two calls rejected",
			give: func() {
				clk.Advance(time.Second)
				do(b, Failure, transient) // the 4th: trips at 2 s, open until 12 s
				do(b, Success, classifier.Unknown)
				do(b, Success, classifier.Unknown)
			},
			want: Metrics{
				State: Open, StateSince: at(2 * time.Second), OpenUntil: at(12 * time.Second),
				Failures: 4, Rejected: 2,
			},
		},
		{
			name: "the open time passed, no call yet",
			give: func() { clk.Advance(10 * time.Second) },
			want: Metrics{State: HalfOpen, StateSince: at(12 * time.Second), Failures: 4, Rejected: 2},
		},
		{
			name: "one probe out, one succeeded",
			give: func() {
				clk.Advance(time.Second)
				held, _ = b.Allow()
				do(b, Success, classifier.Unknown)
				do(b, Success, classifier.Unknown) // rejected: 1 passed and 1 out of 2
			},
			want: Metrics{
				State: HalfOpen, StateSince: at(12 * time.Second), Failures: 4,
				ProbesInFlight: 1, ProbeSuccesses: 1, Rejected: 3,
			},
		},
		{
			name: "the held probe succeeds",
			give: func() {
				clk.Advance(time.Second)
				b.Record(held, Success, classifier.Unknown)
			},
			want: Metrics{State: Closed, StateSince: at(14 * time.Second), Rejected: 3},
		},
		{
			name: "forced open",
			give: func() {
				clk.Advance(time.Second)
				b.ForceOpen()
				do(b, Success, classifier.Unknown)
			},
			want: Metrics{State: Open, StateSince: at(15 * time.Second), Forced: true, Rejected: 4},
		},
		{
			name: "reset",
			give: func() {
				clk.Advance(time.Second)
				b.Reset()
			},
			want: Metrics{State: Closed, StateSince: at(16 * time.Second), Rejected: 4},
		},
	}
	for _, tt := range tests {
		tt.give()
		if diff := cmp.Diff(tt.want, b.Metrics()); diff != "" {
			t.Errorf("%s: Metrics() (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestMetricsFailureRate(t *testing.T) {
	clk := newFakeClock()
	b := New(WithClock(clk), WithFailureRate(0.9, 100), WithClassThreshold(classifier.RateLimit, 50), WithWindow(10*time.Second))
	outcomes := []struct {
		o  Outcome
		cl classifier.Class
	}{
		{Success, 0}, {Success, 0}, {Failure, classifier.Permanent}, // three successes
		{Failure, transient}, {Panicked, 0}, // two failures against the rate
		{Failure, classifier.RateLimit}, // a failure of its own class: a call, not against the rate
		{Cancelled, 0},                  // nothing
	}
	for _, oc := range outcomes {
		tk, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		b.Record(tk, oc.o, oc.cl)
	}
	got := b.Metrics()
	want := Metrics{
		State: Closed, StateSince: newFakeClock().Now(),
		Failures: 3, Successes: 3, FailureRate: 2.0 / 6, ConsecutiveFailures: 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Metrics() (-want +got):\n%s", diff)
	}
	clk.Advance(10 * time.Second)
	want.Failures, want.Successes, want.FailureRate = 0, 0, 0
	if diff := cmp.Diff(want, b.Metrics()); diff != "" {
		t.Errorf("Metrics() once the window moved on (-want +got):\n%s", diff)
	}
}

func TestMetricsOfAnInvalidBreaker(t *testing.T) {
	b := New(WithFailureThreshold(0))
	b.Allow()
	if diff := cmp.Diff(Metrics{}, b.Metrics()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
