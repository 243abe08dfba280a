package breaker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/redress-go/redress/classifier"
)

var errDown = errors.New("dependency down")

// catch runs f and returns what it panicked with, or nil.
func catch(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func classOf(cl classifier.Class) func(error) classifier.Class {
	return func(error) classifier.Class { return cl }
}

func TestDo(t *testing.T) {
	type result struct {
		Err          error
		Panic        any
		State        State
		FailureCount int
	}
	tests := []struct {
		name     string
		fn       func() error
		classify func(error) classifier.Class
		want     result
	}{
		{
			name: "success",
			fn:   func() error { return nil },
			want: result{State: Closed},
		},
		{
			name:     "a failure of a TripOn class counts",
			fn:       func() error { return errDown },
			classify: classOf(classifier.ServerError),
			want:     result{Err: errDown, State: Open, FailureCount: 1},
		},
		{
			name:     "a failure of another class is a success",
			fn:       func() error { return errDown },
			classify: classOf(classifier.Permanent),
			want:     result{Err: errDown, State: Closed},
		},
		{
			name: "without classify every error is transient",
			fn:   func() error { return errDown },
			want: result{Err: errDown, State: Open, FailureCount: 1},
		},
		{
			name:     "a cancelled call counts as neither",
			fn:       func() error { return fmt.Errorf("giving up: %w", context.Canceled) },
			classify: classOf(classifier.Transient),
			want:     result{Err: context.Canceled, State: Closed},
		},
		{
			name: "a panic counts and goes on unchanged",
			fn:   func() error { panic(errDown) },
			want: result{Panic: errDown, State: Open, FailureCount: 1},
		},
		{
			name:     "a panic in classify does not count",
			fn:       func() error { return errDown },
			classify: func(error) classifier.Class { panic("bad classifier") },
			want:     result{Panic: "bad classifier", State: Closed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(WithClock(newFakeClock()), WithFailureThreshold(1))
			var got result
			got.Panic = catch(func() { got.Err = b.Do(tt.fn, tt.classify) })
			got.State, got.FailureCount = b.State(), b.FailureCount()
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDoRejectsWithoutCalling(t *testing.T) {
	b := New(WithClock(newFakeClock()))
	b.ForceOpen()
	called := false
	err := b.Do(func() error { called = true; return nil }, nil)
	if !errors.Is(err, ErrOpen) || called {
		t.Errorf("Do on an open breaker = %v with fn called %v, want ErrOpen without calling fn", err, called)
	}
}

// TestDoFreesProbes checks that every way out of Do hands the probe slot
// back: the half-open breaker either closes, opens again, or lets the next
// call probe.
func TestDoFreesProbes(t *testing.T) {
	tests := []struct {
		name     string
		fn       func() error
		classify func(error) classifier.Class
		want     []string // the state after Do, and the next call's result
	}{
		{"success closes", func() error { return nil }, nil, []string{"closed", "allowed"}},
		{"panic opens", func() error { panic(errDown) }, nil, []string{"open", "breaker: circuit open, retry in 30s"}},
		{"cancel frees the slot", func() error { return context.Canceled }, nil, []string{"half_open", "allowed"}},
		{"classify panic frees the slot", func() error { return errDown }, func(error) classifier.Class { panic("bad") }, []string{"half_open", "allowed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			b := tripped(t, clk)
			clk.Advance(30 * time.Second)
			catch(func() { _ = b.Do(tt.fn, tt.classify) })
			got := []string{b.State().String(), "allowed"}
			if _, err := b.Allow(); err != nil {
				got[1] = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
