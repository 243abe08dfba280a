package redressgrpc_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// shedServer starts a test server playing script behind the server
// interceptors with opts, and returns a plain connection to it (no
// interceptor of redress's) and the server.
func shedServer(t *testing.T, script []outcome, opts ...redress.Option) (*grpc.ClientConn, *server) {
	t.Helper()
	s := &server{script: script}
	addr := serve(t, s,
		grpc.UnaryInterceptor(redressgrpc.UnaryServerInterceptor(opts...)),
		grpc.StreamInterceptor(redressgrpc.StreamServerInterceptor(opts...)))
	return dial(t, addr), s
}

// openBreaker returns a breaker that opens at the first failure and lets a
// probe through after 30 s, on a clock that stands still.
func openBreaker() *breaker.Breaker {
	return breaker.New(breaker.WithFailureThreshold(1), breaker.WithRecoveryTimeout(30*time.Second),
		breaker.WithClock(redresstest.NewClock(time.Now())))
}

func TestServerShedsWithAFullBulkhead(t *testing.T) {
	hold, entered := make(chan struct{}), make(chan struct{})
	conn, s := shedServer(t, []outcome{{hold: hold, entered: entered}}, bulkheadOf(1))
	ctx := ctxWithTimeout(t, 10*time.Second)
	first := make(chan error, 1)
	go func() {
		_, err := check(ctx, conn)
		first <- err
	}()
	<-entered

	var trailer metadata.MD
	_, err := check(ctx, conn, grpc.Trailer(&trailer))
	if got := status.Code(err); got != codes.Unavailable {
		t.Errorf("second call: %v, want Unavailable", err)
	}
	if got := trailer.Get(redressgrpc.PushbackKey); got != nil {
		t.Errorf("pushback = %v, want none: a bulkhead does not know when a slot frees", got)
	}
	close(hold)
	if err := <-first; err != nil {
		t.Errorf("first call: %v", err)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("handler calls = %d, want 1", got)
	}
}

func TestServerShedsWithAnOpenBreaker(t *testing.T) {
	conn, s := shedServer(t, []outcome{{code: codes.Internal, msg: "broken"}}, redress.WithBreaker(openBreaker()))
	ctx := ctxWithTimeout(t, 10*time.Second)

	_, err := check(ctx, conn)
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "broken" {
		t.Errorf("first call: %v, want the handler's own Internal %q", err, "broken")
	}
	var trailer metadata.MD
	_, err = check(ctx, conn, grpc.Trailer(&trailer))
	if got := status.Code(err); got != codes.Unavailable {
		t.Errorf("second call: %v, want Unavailable", err)
	}
	if diff := cmp.Diff([]string{"30000"}, trailer.Get(redressgrpc.PushbackKey)); diff != "" {
		t.Errorf("pushback (-want +got):\n%s", diff)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("handler calls = %d, want 1", got)
	}
}

func TestServerShedsWhenThrottled(t *testing.T) {
	// The handler fails every call with Unavailable, so the backend
	// accepts nothing and the throttle starts rejecting.
	script := make([]outcome, 200)
	for i := range script {
		script[i] = fail(codes.Unavailable)
	}
	conn, s := shedServer(t, script, eagerThrottle())
	ctx := ctxWithTimeout(t, 10*time.Second)
	for i := range 200 {
		before := s.Calls()
		_, err := check(ctx, conn)
		switch status.Code(err) {
		case codes.Unavailable:
			continue
		case codes.ResourceExhausted:
			if s.Calls() != before {
				t.Errorf("the throttled call reached the handler")
			}
			return
		default:
			t.Fatalf("call %d: %v, want Unavailable or ResourceExhausted", i, err)
		}
	}
	t.Fatal("no call was throttled")
}

func TestServerRunsTheHandlerOnceAndReturnsItsError(t *testing.T) {
	conn, s := shedServer(t, []outcome{{code: codes.Unavailable, msg: "mine"}},
		redress.WithRetry(retry.WithMaxAttempts(5)))
	_, err := check(ctxWithTimeout(t, 10*time.Second), conn)
	if st := status.Convert(err); st.Code() != codes.Unavailable || st.Message() != "mine" {
		t.Errorf("err = %v, want the handler's Unavailable %q", err, "mine")
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("handler calls = %d, want 1", got)
	}
}

func TestServerBreakerCountsAnswersAsSuccesses(t *testing.T) {
	br := openBreaker()
	conn, s := shedServer(t, []outcome{fail(codes.NotFound), fail(codes.InvalidArgument)}, redress.WithBreaker(br))
	ctx := ctxWithTimeout(t, 10*time.Second)
	for _, want := range []codes.Code{codes.NotFound, codes.InvalidArgument, codes.OK} {
		if _, err := check(ctx, conn); status.Code(err) != want {
			t.Errorf("err = %v, want %v", err, want)
		}
	}
	if got := s.Calls(); got != 3 || br.State() != breaker.Closed {
		t.Errorf("handler calls = %d, breaker %v; want 3, closed", got, br.State())
	}
}

func TestServerIncomingDeadlineBoundsTheCall(t *testing.T) {
	tests := []struct {
		name   string
		caller time.Duration // 0: none
	}{
		{"the caller's", 5 * time.Second},
		{"none, not the policy's default", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, s := shedServer(t, nil)
			ctx := context.Background()
			if tt.caller > 0 {
				ctx = ctxWithTimeout(t, tt.caller)
			}
			if _, err := check(ctx, conn); err != nil {
				t.Fatal(err)
			}
			got := s.Deadlines()[0]
			if tt.caller == 0 && got != 0 || tt.caller > 0 && (got <= 0 || got > tt.caller) {
				t.Errorf("handler saw %v left, want at most %v (0: no deadline)", got, tt.caller)
			}
		})
	}
}

func TestServerAttemptTimeoutBoundsTheHandler(t *testing.T) {
	conn, s := shedServer(t, nil, redress.WithAttemptTimeout(time.Second))
	if _, err := check(ctxWithTimeout(t, time.Minute), conn); err != nil {
		t.Fatal(err)
	}
	if got := s.Deadlines()[0]; got <= 0 || got > time.Second {
		t.Errorf("handler saw %v left, want at most 1s", got)
	}
	w, err := healthpb.NewHealthClient(conn).Watch(ctxWithTimeout(t, time.Minute), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = w.Recv()
	}
	if err != io.EOF {
		t.Fatal(err)
	}
	if got := s.Deadlines()[1]; got <= 0 || got > time.Second {
		t.Errorf("stream handler saw %v left, want at most 1s", got)
	}
}

func TestServerShedErrorUnwrapsToTheStop(t *testing.T) {
	var seen error
	outer := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		seen = err
		return resp, err
	}
	br := openBreaker()
	br.ForceOpen()
	s := &server{}
	conn := dial(t, serve(t, s, grpc.ChainUnaryInterceptor(outer, redressgrpc.UnaryServerInterceptor(redress.WithBreaker(br)))))
	var trailer metadata.MD
	_, err := check(ctxWithTimeout(t, 10*time.Second), conn, grpc.Trailer(&trailer))
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("err = %v, want Unavailable", err)
	}
	var se *redress.StopError
	if !errors.As(seen, &se) || se.Reason != redress.StopCircuitOpen || !errors.Is(seen, breaker.ErrOpen) {
		t.Errorf("outer interceptor saw %v, want a CIRCUIT_OPEN stop", seen)
	}
	if got := trailer.Get(redressgrpc.PushbackKey); got != nil {
		t.Errorf("pushback = %v, want none: a forced-open breaker does not say when", got)
	}
}

func TestStreamServerSheds(t *testing.T) {
	t.Run("full bulkhead", func(t *testing.T) {
		hold, entered := make(chan struct{}), make(chan struct{})
		conn, s := shedServer(t, []outcome{{first: true, hold: hold, entered: entered}}, bulkheadOf(1))
		ctx := ctxWithTimeout(t, 10*time.Second)
		w1, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		<-entered
		_, err = watch(ctx, conn)
		if status.Code(err) != codes.Unavailable {
			t.Errorf("second stream: %v, want Unavailable", err)
		}
		close(hold)
		for err = nil; err == nil; _, err = w1.Recv() {
		}
		if err != io.EOF {
			t.Errorf("first stream: %v", err)
		}
		if got := s.Calls(); got != 1 {
			t.Errorf("handler calls = %d, want 1", got)
		}
	})
	t.Run("open breaker", func(t *testing.T) {
		conn, s := shedServer(t, []outcome{fail(codes.Internal)}, redress.WithBreaker(openBreaker()))
		ctx := ctxWithTimeout(t, 10*time.Second)
		if _, err := watch(ctx, conn); status.Code(err) != codes.Internal {
			t.Errorf("first stream: %v, want the handler's Internal", err)
		}
		w, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Recv(); status.Code(err) != codes.Unavailable {
			t.Errorf("second stream: %v, want Unavailable", err)
		}
		if diff := cmp.Diff([]string{"30000"}, w.Trailer().Get(redressgrpc.PushbackKey)); diff != "" {
			t.Errorf("pushback (-want +got):\n%s", diff)
		}
		if got := s.Calls(); got != 1 {
			t.Errorf("handler calls = %d, want 1", got)
		}
	})
}

func TestServerInvalidOptionsRunNoHandler(t *testing.T) {
	bad := redress.WithDeadline(-time.Second)
	conn, s := shedServer(t, nil, bad)
	ctx := ctxWithTimeout(t, 10*time.Second)
	if _, err := check(ctx, conn); status.Code(err) != codes.Internal {
		t.Errorf("unary: %v, want Internal", err)
	}
	if _, err := watch(ctx, conn); status.Code(err) != codes.Internal {
		t.Errorf("stream: %v, want Internal", err)
	}
	if got := s.Calls(); got != 0 {
		t.Errorf("handler calls = %d, want 0", got)
	}
	// In the server, the error matches redress.ErrInvalidConfig.
	_, err := redressgrpc.UnaryServerInterceptor(bad)(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/x/Y"},
		func(context.Context, any) (any, error) { t.Error("handler ran"); return nil, nil })
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("err = %v, want one matching redress.ErrInvalidConfig", err)
	}
}

func TestClientHonoursServerPushback(t *testing.T) {
	// End to end: the server's breaker opens and sheds with a pushback of
	// 30 s; the client's interceptor waits exactly that (on its fake
	// clock) before its one retry.
	s := &server{script: []outcome{fail(codes.Internal)}}
	addr := serve(t, s, grpc.UnaryInterceptor(redressgrpc.UnaryServerInterceptor(redress.WithBreaker(openBreaker()))))
	clk := redresstest.NewAutoClock(time.Now())
	conn := dial(t, addr, grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(
		redress.WithClock(clk), redress.WithDeadline(time.Hour), redress.WithRetry(retry.WithMaxAttempts(3)))))
	// No deadline on the caller's context: a real one of less than 30 s
	// would stop the call before the wait.
	_, err := check(context.Background(), conn)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Attempts != 3 || status.Code(err) != codes.Unavailable {
		t.Fatalf("err = %v, want a stop after 3 attempts, the last shed", err)
	}
	// Internal (no pushback: the default backoff), then a shed that says 30 s.
	sleeps := clk.Sleeps()
	if len(sleeps) != 2 || sleeps[1] != 30*time.Second {
		t.Errorf("sleeps = %v, want [backoff 30s]", sleeps)
	}
}

func TestServerHedgingRunsTheHandlerOnce(t *testing.T) {
	// A hedging policy on the server starts a second invocation at once;
	// the handler still runs once per call, and its error is the call's.
	conn, s := shedServer(t, []outcome{{code: codes.Unavailable, msg: "mine"}, fail(codes.Internal)},
		redress.WithHedging(0, 2))
	ctx := ctxWithTimeout(t, 10*time.Second)
	if _, err := check(ctx, conn); status.Convert(err).Message() != "mine" {
		t.Errorf("unary: %v, want the handler's %q", err, "mine")
	}
	if _, err := watch(ctx, conn); status.Code(err) != codes.Internal {
		t.Errorf("stream: %v, want the handler's Internal", err)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("handler calls = %d, want 2 (one per call)", got)
	}
}
