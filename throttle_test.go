package redress_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

// TestThrottleInThePipeline sends calls to a backend that sheds every
// request: the throttle soon keeps most of them in the process.
func TestThrottleInThePipeline(t *testing.T) {
	clk := redresstest.NewAutoClock(epoch)
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(7))
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
			if !errors.Is(err, throttle.ErrThrottled) {
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
		give *throttle.Throttle
		want string
	}{
		{"nil", nil, "WithThrottle: throttle is nil"},
		{"K below 1", throttle.New(throttle.WithK(0.5)), "WithThrottle: "},
		{"negative window", throttle.New(throttle.WithWindow(-time.Second)), "WithThrottle: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redress.New(redress.WithThrottle(tt.give))
			if want := "redress: invalid configuration: " + tt.want; err == nil || !strings.HasPrefix(err.Error(), want) ||
				!errors.Is(err, redress.ErrInvalidConfig) {
				t.Errorf("New = %v, want %q…", err, want)
			}
		})
	}
}
