package redressgrpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/redresstest"
)

// The behaviour docs/testing.md describes, "Fake clocks and real deadlines":
// an attempt's deadline is on the policy's clock, and grpc-go sends it to
// the server as a timeout measured on the real clock.

func TestFakeClockAtUnixZeroSendsNothing(t *testing.T) {
	// Every attempt's deadline is in 1970: grpc-go fails each one before
	// sending it, with DeadlineExceeded, a TRANSIENT failure, so the
	// policy retries until its attempts run out.
	s := &server{}
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	conn := dial(t, serve(t, s), grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(redress.WithClock(clk))))
	_, err := check(context.Background(), conn)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts || status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err = %v, want MAX_ATTEMPTS_GLOBAL with DeadlineExceeded", err)
	}
	if got := s.Calls(); got != 0 {
		t.Errorf("server calls = %d, want 0", got)
	}
}

func TestFakeClockDeadlinesSeenByTheServer(t *testing.T) {
	tests := []struct {
		name     string
		start    time.Time
		caller   time.Duration // 0: none
		opts     []redress.Option
		min, max time.Duration // what the server may see left; 0, 0: no deadline
	}{
		{"a clock started now: the policy's deadline", time.Now(), 0, nil, 59 * time.Second, time.Minute},
		{"WithoutDeadline on a clock at Unix(0): the caller's", time.Unix(0, 0), 3 * time.Second, []redress.Option{redress.WithoutDeadline()}, time.Second, 3 * time.Second},
		{"WithoutDeadline and no caller deadline: none", time.Unix(0, 0), 0, []redress.Option{redress.WithoutDeadline()}, 0, 0},
		{"a clock ahead of the real time: never past the caller's", time.Now().Add(time.Hour), 3 * time.Second, nil, time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &server{}
			opts := append([]redress.Option{redress.WithClock(redresstest.NewAutoClock(tt.start))}, tt.opts...)
			conn := dial(t, serve(t, s), grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(opts...)))
			ctx := context.Background()
			if tt.caller > 0 {
				ctx = ctxWithTimeout(t, tt.caller)
			}
			if _, err := check(ctx, conn); err != nil {
				t.Fatal(err)
			}
			if got := s.Deadlines()[0]; got < tt.min || got > tt.max {
				t.Errorf("server saw %v left, want in [%v, %v] (0: no deadline)", got, tt.min, tt.max)
			}
		})
	}
}
