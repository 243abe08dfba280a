package redress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// outcomes records what WithAdaptive tells it.
type outcomes struct{ got []bool }

func (o *outcomes) Record(success bool) { o.got = append(o.got, success) }

func TestWithAdaptiveIsToldRetriedOutcomes(t *testing.T) {
	tests := []struct {
		name string
		errs []error
		want []bool
	}{
		{"failures then success", []error{errTransient, errTransient}, []bool{false, false, true}},
		{"non-retryable failure is not told", []error{errTransient, errPermanent}, []bool{false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &outcomes{}
			op, _ := script(1, tt.errs...)
			redress.Execute(context.Background(), op, redress.WithAdaptive(o), redress.WithClock(redresstest.NewAutoClock(epoch)))
			if diff := cmp.Diff(tt.want, o.got); diff != "" {
				t.Errorf("outcomes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAdaptiveBackoffInThePipeline checks that an adaptive strategy fed by
// the pipeline stretches the sleeps of a failing dependency and relaxes
// them once it recovers.
func TestAdaptiveBackoffInThePipeline(t *testing.T) {
	ad := backoff.Adaptive(backoff.Constant(100*time.Millisecond), backoff.WithThreshold(0.6),
		backoff.WithMultiplier(2), backoff.WithRecovery(1), backoff.WithMaxFactor(4), backoff.WithMemory(2))
	clk := redresstest.NewAutoClock(epoch)
	p := mustNew(t, redress.WithClock(clk), redress.WithAdaptive(ad),
		redress.WithRetry(retry.WithBackoff(ad), retry.WithMaxAttempts(4)))
	op, _ := script(1, errTransient, errTransient, errTransient)
	if _, err := redress.Execute(context.Background(), op, p); err != nil {
		t.Fatalf("Execute = %v, want success on the 4th attempt", err)
	}
	want := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 400 * time.Millisecond}
	if diff := cmp.Diff(want, clk.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	for range 3 {
		redress.Execute(context.Background(), succeed, p)
	}
	if got := ad.Factor(); got != 1 {
		t.Errorf("Factor() after successes = %v, want 1", got)
	}
}

func TestWithAdaptiveConfig(t *testing.T) {
	bad := backoff.Adaptive(backoff.Constant(time.Second), backoff.WithThreshold(2))
	for _, give := range []redress.Option{redress.WithAdaptive(nil), redress.WithAdaptive(bad)} {
		if _, err := redress.New(give); !errors.Is(err, redress.ErrInvalidConfig) {
			t.Errorf("New = %v, want ErrInvalidConfig", err)
		}
	}
}
