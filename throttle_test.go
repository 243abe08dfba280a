package redress_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

// sreFormula is the rejection probability of the Google SRE book,
// "Handling Overload": max(0, (requests − K·accepts) / (requests + 1)).
func sreFormula(requests, accepts, k float64) float64 {
	return math.Max(0, (requests-k*accepts)/(requests+1))
}

func TestThrottleProbabilityFollowsTheFormula(t *testing.T) {
	tests := []struct {
		name              string
		k                 float64
		requests, accepts int
	}{
		{"all accepted", 0, 100, 100},
		{"half accepted, K=2: none rejected", 0, 100, 50},
		{"a quarter accepted", 0, 100, 25},
		{"none accepted", 0, 100, 0},
		{"K=1.5", 1.5, 100, 40},
		{"K=1", 1, 10, 9},
		{"no traffic", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := redress.NewThrottle(redress.ThrottleConfig{K: tt.k, Clock: redresstest.NewClock(epoch), Seed: 1})
			for i := range tt.requests {
				th.Record(i < tt.accepts)
			}
			k := tt.k
			if k == 0 {
				k = 2
			}
			want := sreFormula(float64(tt.requests), float64(tt.accepts), k)
			if got := th.Probability(); math.Abs(got-want) > 1e-12 {
				t.Errorf("Probability() = %v, want %v", got, want)
			}
		})
	}
}

func TestThrottleRejectsAtTheProbability(t *testing.T) {
	th := redress.NewThrottle(redress.ThrottleConfig{Clock: redresstest.NewClock(epoch), Seed: 42})
	for i := range 100_000 {
		th.Record(i < 25_000) // p = 50,000/100,001, about one half
	}
	rejected := 0
	for range 1000 {
		if !th.Allow() {
			rejected++
		}
	}
	if rejected < 450 || rejected > 555 {
		t.Errorf("Allow rejected %d of 1000 at p ≈ 0.5, want about 500", rejected)
	}
}

func TestThrottleWindowRolls(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	th := redress.NewThrottle(redress.ThrottleConfig{Clock: clk, Window: 2 * time.Minute})
	for range 10 {
		th.Record(false)
	}
	clk.Advance(time.Minute)
	for range 10 {
		th.Record(false)
	}
	steps := []struct {
		advance time.Duration
		want    float64
	}{
		{0, sreFormula(20, 0, 2)},
		{time.Minute, sreFormula(10, 0, 2)}, // the first 10 left the window
		{time.Minute, 0},
	}
	var got, want []float64
	for _, s := range steps {
		clk.Advance(s.advance)
		got = append(got, th.Probability())
		want = append(want, s.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probabilities (-want +got):\n%s", diff)
	}
}

// TestThrottleInThePipeline sends calls to a backend that sheds every
// request: the throttle soon keeps most of them in the process.
func TestThrottleInThePipeline(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	th := redress.NewThrottle(redress.ThrottleConfig{Clock: clk, Seed: 7})
	rec := &events{}
	p := mustNew(t, redress.WithThrottle(th), redress.WithClock(clk), redress.WithObserver(rec))
	sent := 0
	shed := func(context.Context) (int, error) {
		sent++
		return 0, classifier.MarkRateLimited(errors.New("429"), 0)
	}
	throttled := 0
	const calls = 200
	for range calls {
		_, err := redress.Execute(context.Background(), shed, p)
		var se *redress.StopError
		if errors.As(err, &se) && se.Reason == redress.StopThrottled {
			if !errors.Is(err, redress.ErrThrottled) {
				t.Fatalf("a THROTTLED stop %v does not match ErrThrottled", err)
			}
			throttled++
		}
	}
	if throttled < calls*9/10 {
		t.Errorf("%d of %d calls throttled, want at least 90%%", throttled, calls)
	}
	if got := countOf(rec.names(), redress.EventThrottled); got != throttled {
		t.Errorf("%d throttled events, want %d", got, throttled)
	}
	// Accepts stay 0, so the probability tends to 1; the backend saw only
	// the requests sent before it got there.
	if sent > 6*calls/10 {
		t.Errorf("the backend saw %d requests for %d calls, want the throttle to keep most of them", sent, calls)
	}
}

func countOf(names []redress.EventName, n redress.EventName) int {
	c := 0
	for _, x := range names {
		if x == n {
			c++
		}
	}
	return c
}

func TestThrottleConfig(t *testing.T) {
	tests := []struct {
		name string
		give redress.ThrottleConfig
		want string
	}{
		{"K below 1", redress.ThrottleConfig{K: 0.5}, "WithThrottle: throttle: K must be at least 1"},
		{"negative window", redress.ThrottleConfig{Window: -time.Second}, "WithThrottle: throttle: window must be at least 12ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redress.New(redress.WithThrottle(redress.NewThrottle(tt.give)))
			if want := "redress: invalid configuration: " + tt.want; err == nil || err.Error() != want {
				t.Errorf("New = %v, want %q", err, want)
			}
		})
	}
}
