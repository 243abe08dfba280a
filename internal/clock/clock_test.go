package clock_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := clock.Sleep(context.Background(), clock.Real, 3*time.Second); err != nil {
			t.Fatalf("Sleep = %v, want nil", err)
		}
		if got := time.Since(start); got != 3*time.Second {
			t.Errorf("slept %v, want 3s", got)
		}
	})
}

func TestSleepEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cause := errors.New("caller left")
		ctx, cancel := context.WithCancelCause(context.Background())
		time.AfterFunc(time.Second, func() { cancel(cause) })
		start := time.Now()
		if err := clock.Sleep(ctx, clock.Real, time.Hour); err != cause {
			t.Errorf("Sleep = %v, want the context's cause", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("slept %v, want 1s", got)
		}
	})
}

func TestSleepOnDoneContextReturnsAtOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, d := range []time.Duration{0, -time.Second, time.Hour} {
		if err := clock.Sleep(ctx, clock.Real, d); !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep(done ctx, %v) = %v, want context.Canceled", d, err)
		}
	}
	if err := clock.Sleep(context.Background(), clock.Real, 0); err != nil {
		t.Errorf("Sleep(0) = %v, want nil", err)
	}
}

func TestWithTimeoutCauseOnRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cause := errors.New("attempt timed out")
		ctx, cancel := clock.WithTimeoutCause(context.Background(), clock.Real, 2*time.Second, cause)
		defer cancel()
		if dl, ok := ctx.Deadline(); !ok || !dl.Equal(time.Now().Add(2*time.Second)) {
			t.Errorf("Deadline() = %v, %v; want now+2s", dl, ok)
		}
		<-ctx.Done()
		if got := context.Cause(ctx); got != cause {
			t.Errorf("Cause = %v, want %v", got, cause)
		}
	})
}
