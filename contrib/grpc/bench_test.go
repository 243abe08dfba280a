package redressgrpc_test

// A unary call on loopback: bare, through UnaryClientInterceptor, and
// through go-grpc-middleware's retry interceptor, which is what most Go
// services use for client retries today. Run with
//
//	go test -run '^$' -bench Unary -benchmem
//
// The call is a health check against grpc-go's own health server, so the
// numbers are a real round trip: HTTP/2 framing, protobuf encoding, two
// goroutine hand-offs on each side.

import (
	"context"
	"net"
	"testing"
	"time"

	grpcretry "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/retry"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
)

func BenchmarkUnary(b *testing.B) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	defer func() { srv.Stop(); <-done }()

	guarded := redress.MustNew(
		redress.WithBreaker(breaker.New()),
		redress.WithBudget(budget.New(100, time.Minute)),
	)
	for _, bb := range []struct {
		name     string
		opts     []grpc.DialOption
		deadline bool // each call has a deadline of its own, as the policy's default gives it
	}{
		{"bare", nil, false},
		{"bare-with-deadline", nil, true},
		{"redress", []grpc.DialOption{grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor())}, false},
		{"redress+breaker+budget", []grpc.DialOption{grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(guarded))}, false},
		{"redress-without-deadline", []grpc.DialOption{grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(redress.WithoutDeadline()))}, false},
		{"go-grpc-middleware", []grpc.DialOption{grpc.WithUnaryInterceptor(grpcretry.UnaryClientInterceptor(
			grpcretry.WithMax(5), grpcretry.WithCodes(codes.Unavailable, codes.ResourceExhausted)))}, false},
	} {
		b.Run(bb.name, func(b *testing.B) {
			opts := append([]grpc.DialOption{
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithDisableRetry(),
			}, bb.opts...)
			conn, err := grpc.NewClient(lis.Addr().String(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			client := healthpb.NewHealthClient(conn)
			req := &healthpb.HealthCheckRequest{}
			call := func() error {
				ctx := context.Background()
				if bb.deadline {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, time.Minute)
					defer cancel()
				}
				_, err := client.Check(ctx, req)
				return err
			}
			if err := call(); err != nil { // connect first
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
