package redressgrpc_test

// The code of docs/grpc.md: every Go block in the guide is an excerpt of
// this file, and TestGuideExamplesAreTested checks that it still is.

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/internal/docsync"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestGuideExamplesAreTested(t *testing.T) {
	docsync.Check(t, "../../docs/grpc.md", "guide_test.go")
}

// dialUsers connects to the users service: redress retries, breaks and
// budgets every call; grpc-go's own retries are off.
func dialUsers(addr string, opts ...redress.Option) (*grpc.ClientConn, error) {
	policy, err := redress.New(append([]redress.Option{
		redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(5))),
		redress.WithBudget(budget.New(100, time.Minute)),
		redress.WithRetry(retry.WithMaxAttempts(4)),
	}, opts...)...)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDisableRetry(),
		grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(policy)),
		grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(policy)),
	)
}

// grpcRetryPolicy has grpc-go retry UNAVAILABLE calls itself, four
// attempts in all, and stop retrying while more than half of its recent
// calls fail (its retry throttling, which plays the part of a budget).
const grpcRetryPolicy = `{
	"methodConfig": [{
		"name": [{}],
		"retryPolicy": {
			"maxAttempts": 4,
			"initialBackoff": "0.1s",
			"maxBackoff": "1s",
			"backoffMultiplier": 2,
			"retryableStatusCodes": ["UNAVAILABLE"]
		}
	}],
	"retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
}`

// dialUsersGRPCRetries connects to the users service: grpc-go retries,
// and redress makes one attempt per call, behind its breaker.
func dialUsersGRPCRetries(addr string, opts ...redress.Option) (*grpc.ClientConn, error) {
	policy, err := redress.New(append([]redress.Option{
		redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(5))),
		redress.WithRetry(retry.WithMaxAttempts(1)),
	}, opts...)...)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(grpcRetryPolicy),
		grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(policy)),
	)
}

// describe says what became of a call.
func describe(err error) string {
	var se *redress.StopError
	if !errors.As(err, &se) {
		return "ok"
	}
	var fromServer interface{ GRPCStatus() *status.Status }
	switch {
	case errors.Is(err, breaker.ErrOpen):
		return "not sent: circuit open"
	case status.Code(err) == codes.NotFound && errors.As(err, &fromServer):
		return "not found: " + fromServer.GRPCStatus().Message()
	}
	return string(se.Reason) + ": " + status.Code(err).String()
}

// newServer serves with load shedding: its breaker opens when handlers
// keep failing, and shed calls are answered at once.
func newServer(br *breaker.Breaker, shed ...redress.Option) *grpc.Server {
	shed = append([]redress.Option{redress.WithBreaker(br)}, shed...)
	return grpc.NewServer(
		grpc.ChainUnaryInterceptor(redressgrpc.UnaryServerInterceptor(shed...)),
		grpc.ChainStreamInterceptor(redressgrpc.StreamServerInterceptor(shed...)),
	)
}

func TestGuideClients(t *testing.T) {
	tests := []struct {
		name      string
		dial      func(string, ...redress.Option) (*grpc.ClientConn, error)
		script    []outcome
		want      string
		wantCalls int
	}{
		{"redress retries", dialUsers, []outcome{fail(codes.Unavailable), fail(codes.Unavailable)}, "ok", 3},
		{"redress gives up", dialUsers, alwaysUnavailable(), "MAX_ATTEMPTS_GLOBAL: Unavailable", 4},
		{"an answer is not retried", dialUsers, []outcome{{code: codes.NotFound, msg: "user 42"}}, "not found: user 42", 1},
		{"grpc-go retries", dialUsersGRPCRetries, []outcome{fail(codes.Unavailable), fail(codes.Unavailable)}, "ok", 3},
		{"grpc-go gives up", dialUsersGRPCRetries, alwaysUnavailable(), "MAX_ATTEMPTS_GLOBAL: Unavailable", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &server{script: tt.script}
			conn, err := tt.dial(serve(t, s), redress.WithClock(redresstest.NewAutoClock(time.Now())))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_, err = healthpb.NewHealthClient(conn).Check(ctxWithTimeout(t, 10*time.Second), &healthpb.HealthCheckRequest{})
			if got := describe(err); got != tt.want {
				t.Errorf("describe(%v) = %q, want %q", err, got, tt.want)
			}
			if got := s.Calls(); got != tt.wantCalls {
				t.Errorf("server calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestGuideOpenCircuit(t *testing.T) {
	conn, err := dialUsers(serve(t, &server{script: alwaysUnavailable()}),
		redress.WithClock(redresstest.NewAutoClock(time.Now())),
		redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(1))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	ctx := ctxWithTimeout(t, 10*time.Second)
	_, _ = health.Check(ctx, &healthpb.HealthCheckRequest{})
	_, err = health.Check(ctx, &healthpb.HealthCheckRequest{})
	if got := describe(err); got != "not sent: circuit open" {
		t.Errorf("describe(%v) = %q", err, got)
	}
}

func TestGuideServer(t *testing.T) {
	br := breaker.New(breaker.WithFailureThreshold(1))
	srv := newServer(br)
	s := &server{script: []outcome{fail(codes.Internal)}}
	healthpb.RegisterHealthServer(srv, s)
	addr, stop := serveWith(t, srv)
	defer stop()
	conn := dial(t, addr)
	health := healthpb.NewHealthClient(conn)
	ctx := context.Background()
	if _, err := health.Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Internal {
		t.Errorf("first call: %v, want the handler's Internal", err)
	}
	if _, err := health.Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("second call: %v, want Unavailable: shed", err)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("handler calls = %d, want 1", got)
	}
}
