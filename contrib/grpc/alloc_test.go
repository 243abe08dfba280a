package redressgrpc_test

import (
	"context"
	"testing"

	"google.golang.org/grpc"

	"github.com/redress-go/redress"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
)

// The allocations the unary interceptor adds to a successful call, with
// an invoker that allocates nothing: its state and the attempt's
// operation. (grpc-go adds a copy of the trailers it is asked for; a
// policy's deadline adds the attempt's context, which is the core's.)
func TestUnaryInterceptorAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	invoke := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	for _, tt := range []struct {
		name string
		opts []redress.Option
		max  float64
	}{
		{"without deadline", []redress.Option{redress.WithoutDeadline()}, 2},
		{"named operation", []redress.Option{redress.WithoutDeadline(), redress.WithOperation("x")}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			intercept := redressgrpc.UnaryClientInterceptor(tt.opts...)
			ctx := context.Background()
			call := func() {
				if err := intercept(ctx, "/pkg.Service/Method", nil, nil, nil, invoke); err != nil {
					t.Fatal(err)
				}
			}
			call() // builds the method's policy
			if got := testing.AllocsPerRun(1000, call); got > tt.max {
				t.Errorf("allocations per call = %v, want at most %v", got, tt.max)
			}
		})
	}
}
