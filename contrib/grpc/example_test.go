package redressgrpc_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/retry"
)

// startServer starts a loopback gRPC server with the health service of s,
// for the examples, and returns its address and a function that stops it.
func startServer(s *server, opts ...grpc.ServerOption) (addr string, stop func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, s)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	return lis.Addr().String(), func() { srv.Stop(); <-done }
}

func ExampleUnaryClientInterceptor() {
	// A server that is unavailable once, and asks to be called again in
	// 100 ms.
	addr, stop := startServer(&server{script: []outcome{
		{code: codes.Unavailable, pushback: []string{"100"}},
	}})
	defer stop()

	policy := redress.MustNew(
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithObserver(redress.ObserverFunc(func(_ context.Context, e redress.Event) {
			if e.Name == redress.EventRetry {
				fmt.Printf("%s: attempt %d failed (%s), retrying in %v\n", e.Operation, e.Attempt, e.Class, e.Sleep)
			}
		})),
	)
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDisableRetry(), // redress retries, grpc-go does not
		grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(policy)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.GetStatus())
	// Output:
	// /grpc.health.v1.Health/Check: attempt 1 failed (TRANSIENT), retrying in 100ms
	// SERVING
}

func ExampleUnaryClientInterceptor_stopError() {
	addr, stop := startServer(&server{script: []outcome{{code: codes.NotFound, msg: "no such service"}}})
	defer stop()

	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor()),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	_, err = healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	var se *redress.StopError
	if errors.As(err, &se) {
		fmt.Println(se.Reason, "after", se.Attempts, "attempt")
	}
	fmt.Println(status.Code(err))
	var fromServer interface{ GRPCStatus() *status.Status }
	if errors.As(err, &fromServer) {
		fmt.Println(fromServer.GRPCStatus().Message())
	}
	// Output:
	// NON_RETRYABLE_CLASS after 1 attempt
	// NotFound
	// no such service
}

func ExampleStreamClientInterceptor() {
	// The first Watch fails before its first message: the stream is opened
	// again, and the request sent again.
	addr, stop := startServer(&server{script: []outcome{{code: codes.Unavailable}}})
	defer stop()

	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDisableRetry(),
		grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(
			redress.WithRetry(retry.WithBackoff(backoff.Constant(10*time.Millisecond))),
		)),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	w, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		log.Fatal(err)
	}
	for {
		resp, err := w.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(resp.GetStatus())
	}
	// Output:
	// SERVING
	// NOT_SERVING
}

func ExampleUnaryServerInterceptor() {
	// A server whose breaker opens at the first failure and lets a probe
	// through after 30 s; its handler fails once.
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithRecoveryTimeout(30*time.Second))
	addr, stop := startServer(&server{script: []outcome{{code: codes.Internal, msg: "disk full"}}},
		grpc.UnaryInterceptor(redressgrpc.UnaryServerInterceptor(redress.WithBreaker(br))),
	)
	defer stop()

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)

	_, err = health.Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err), status.Convert(err).Message()) // the handler's own error

	var trailer metadata.MD
	_, err = health.Check(context.Background(), &healthpb.HealthCheckRequest{}, grpc.Trailer(&trailer))
	ms, _ := strconv.Atoi(trailer.Get(redressgrpc.PushbackKey)[0])
	fmt.Println(status.Code(err), "come back in", (time.Duration(ms) * time.Millisecond).Round(time.Second))
	// Output:
	// Internal disk full
	// Unavailable come back in 30s
}

func ExampleStreamServerInterceptor() {
	// A server whose breaker opens at the first failure: its first Watch
	// fails, and the next one is shed before the handler.
	br := breaker.New(breaker.WithFailureThreshold(1))
	addr, stop := startServer(&server{script: []outcome{{code: codes.Unavailable, msg: "backend down"}}},
		grpc.StreamInterceptor(redressgrpc.StreamServerInterceptor(redress.WithBreaker(br))),
	)
	defer stop()

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)

	for range 2 {
		w, err := health.Watch(context.Background(), &healthpb.HealthCheckRequest{})
		if err != nil {
			log.Fatal(err)
		}
		_, err = w.Recv()
		fmt.Println(status.Code(err), status.Convert(err).Message())
	}
	// Output:
	// Unavailable backend down
	// Unavailable server shed the call (CIRCUIT_OPEN)
}

func ExampleClassifier() {
	st, _ := status.New(codes.ResourceExhausted, "quota").WithDetails(
		&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Second)})
	c := redressgrpc.Classifier.Classify(st.Err())
	fmt.Println(c.Class, c.RetryAfter, c.Details[redressgrpc.DetailCode])
	// Output:
	// RATE_LIMIT 2s ResourceExhausted
}

func ExampleCodeClass() {
	for _, c := range []codes.Code{codes.Unavailable, codes.Aborted, codes.Internal, codes.InvalidArgument, codes.Unknown} {
		fmt.Println(c, redressgrpc.CodeClass(c))
	}
	// Output:
	// Unavailable TRANSIENT
	// Aborted CONCURRENCY
	// Internal SERVER_ERROR
	// InvalidArgument PERMANENT
	// Unknown UNKNOWN
}
