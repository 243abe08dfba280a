package redressgrpc_test

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/redress-go/redress"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// streamClient returns a connection to a new test server playing script,
// through StreamClientInterceptor with opts on an auto clock started now,
// and the server. Stream interceptors in below run under it, once per
// attempt.
func streamClient(t *testing.T, script []outcome, below []grpc.StreamClientInterceptor, opts ...redress.Option) (*grpc.ClientConn, *server) {
	t.Helper()
	s := &server{script: script}
	opts = append([]redress.Option{redress.WithClock(redresstest.NewAutoClock(time.Now()))}, opts...)
	chain := append([]grpc.StreamClientInterceptor{redressgrpc.StreamClientInterceptor(opts...)}, below...)
	conn := dial(t, serve(t, s), grpc.WithChainStreamInterceptor(chain...))
	return conn, s
}

// watch opens a health Watch and returns the statuses it receives up to
// its end, and the error that ended it (nil for io.EOF).
func watch(ctx context.Context, conn *grpc.ClientConn) ([]string, error) {
	w, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return nil, err
	}
	var got []string
	for {
		resp, err := w.Recv()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		got = append(got, resp.GetStatus().String())
	}
}

func TestStreamRetriedBeforeTheFirstMessage(t *testing.T) {
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable), fail(codes.Internal)}, nil)
	got, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SERVING", "NOT_SERVING"}, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"", "1", "2"}, s.Previous()); diff != "" {
		t.Errorf("grpc-previous-rpc-attempts (-want +got):\n%s", diff)
	}
}

func TestStreamNeverRetriedAfterTheFirstMessage(t *testing.T) {
	conn, s := streamClient(t, []outcome{{code: codes.Unavailable, msg: "gone", first: true}}, nil)
	got, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	if diff := cmp.Diff([]string{"SERVING"}, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	var se *redress.StopError
	if errors.As(err, &se) {
		t.Errorf("err = %v, want grpc-go's own error after the commit", err)
	}
	if st := status.Convert(err); st.Code() != codes.Unavailable || st.Message() != "gone" {
		t.Errorf("err = %v, want Unavailable %q", err, "gone")
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("server calls = %d, want 1", got)
	}
}

func TestStreamGivesUp(t *testing.T) {
	script := []outcome{fail(codes.Unavailable), fail(codes.Unavailable), fail(codes.Unavailable)}
	conn, s := streamClient(t, script, nil, redress.WithRetry(retry.WithMaxAttempts(3)))
	_, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts || se.Attempts != 3 {
		t.Fatalf("err = %v, want MAX_ATTEMPTS_GLOBAL after 3 attempts", err)
	}
	if got := status.Code(err); got != codes.Unavailable {
		t.Errorf("status.Code = %v, want Unavailable", got)
	}
	if got := s.Calls(); got != 3 {
		t.Errorf("server calls = %d, want 3", got)
	}
}

func TestStreamNonRetryableStopsAtOnce(t *testing.T) {
	conn, s := streamClient(t, []outcome{{code: codes.PermissionDenied, msg: "no"}}, nil)
	_, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopNonRetryable || se.Attempts != 1 {
		t.Fatalf("err = %v, want NON_RETRYABLE_CLASS after 1 attempt", err)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("server calls = %d, want 1", got)
	}
}

// failStreams is a stream interceptor below the one under test that fails
// the first n attempts to open a stream, as a connection that cannot be
// made does.
func failStreams(n int32, opened *atomic.Int32) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		if opened.Add(1) <= n {
			return nil, status.Error(codes.Unavailable, "no connection")
		}
		return streamer(ctx, desc, cc, method, opts...)
	}
}

func TestStreamEstablishmentRetried(t *testing.T) {
	var opened atomic.Int32
	conn, s := streamClient(t, nil, []grpc.StreamClientInterceptor{failStreams(2, &opened)})
	got, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SERVING", "NOT_SERVING"}, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if got := opened.Load(); got != 3 {
		t.Errorf("streams opened = %d, want 3", got)
	}
	if diff := cmp.Diff([]string{"2"}, s.Previous()); diff != "" {
		t.Errorf("grpc-previous-rpc-attempts (-want +got):\n%s", diff)
	}
}

func TestStreamEstablishmentGivesUp(t *testing.T) {
	var opened atomic.Int32
	conn, s := streamClient(t, nil, []grpc.StreamClientInterceptor{failStreams(100, &opened)},
		redress.WithRetry(retry.WithMaxAttempts(4)))
	_, err := healthpb.NewHealthClient(conn).Watch(ctxWithTimeout(t, 10*time.Second), &healthpb.HealthCheckRequest{})
	var se *redress.StopError
	if !errors.As(err, &se) || se.Attempts != 4 || status.Code(err) != codes.Unavailable {
		t.Fatalf("err = %v, want a StopError after 4 attempts with code Unavailable", err)
	}
	if got := s.Calls(); got != 0 {
		t.Errorf("server calls = %d, want 0", got)
	}
}

// sendAll sends each value on cs.
func sendAll(t *testing.T, cs grpc.ClientStream, values ...string) {
	t.Helper()
	for _, v := range values {
		if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
			t.Fatalf("SendMsg(%q) = %v", v, err)
		}
	}
}

func recv(cs grpc.ClientStream) (string, error) {
	m := new(wrapperspb.StringValue)
	err := cs.RecvMsg(m)
	return m.GetValue(), err
}

func TestClientStreamReplaysWhatItSent(t *testing.T) {
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable)}, nil)
	cs, err := conn.NewStream(ctxWithTimeout(t, 10*time.Second), collectDesc, collectMethod)
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, cs, "a", "b", "c")
	if err := cs.CloseSend(); err != nil {
		t.Fatal(err)
	}
	got, err := recv(cs)
	if err != nil || got != "a+b+c" {
		t.Fatalf("RecvMsg = %q, %v; want %q", got, err, "a+b+c")
	}
	if diff := cmp.Diff([][]string{{"a", "b", "c"}, {"a", "b", "c"}}, s.Received()); diff != "" {
		t.Errorf("received by each stream (-want +got):\n%s", diff)
	}
}

func TestClientStreamKeepsSendingToAStreamThatEnded(t *testing.T) {
	// The first stream fails before reading anything: the client's sends
	// meet a closed stream, return nil all the same, and are sent again on
	// the second.
	conn, s := streamClient(t, []outcome{{code: codes.Unavailable, early: true}}, nil)
	cs, err := conn.NewStream(ctxWithTimeout(t, 10*time.Second), collectDesc, collectMethod)
	if err != nil {
		t.Fatal(err)
	}
	values := make([]string, 200)
	for i := range values {
		values[i] = strings.Repeat("v", 1000) // enough to outlast the first stream
	}
	sendAll(t, cs, values...)
	_ = cs.CloseSend()
	got, err := recv(cs)
	if err != nil || got != strings.Join(values, "+") {
		t.Fatalf("RecvMsg = %d bytes, %v; want every message", len(got), err)
	}
	var counts []int
	for _, r := range s.Received() {
		counts = append(counts, len(r))
	}
	if diff := cmp.Diff([]int{0, len(values)}, counts); diff != "" {
		t.Errorf("messages received by each stream (-want +got):\n%s", diff)
	}
}

func TestBidiStreamReplaysUntilTheFirstResponse(t *testing.T) {
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable)}, nil)
	cs, err := conn.NewStream(ctxWithTimeout(t, 10*time.Second), chatDesc, chatMethod)
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, cs, "x")
	if got, err := recv(cs); err != nil || got != "x" {
		t.Fatalf("first RecvMsg = %q, %v; want %q", got, err, "x")
	}
	sendAll(t, cs, "y")
	if got, err := recv(cs); err != nil || got != "y" {
		t.Fatalf("second RecvMsg = %q, %v; want %q", got, err, "y")
	}
	_ = cs.CloseSend()
	if _, err := recv(cs); err != io.EOF {
		t.Fatalf("last RecvMsg = %v, want io.EOF", err)
	}
	if diff := cmp.Diff([][]string{{"x"}, {"x", "y"}}, s.Received()); diff != "" {
		t.Errorf("received by each stream (-want +got):\n%s", diff)
	}
}

func TestBidiStreamSendsAndReceivesConcurrently(t *testing.T) {
	// One goroutine sends while another receives, and the first stream
	// fails on its first message: every message arrives once, in order.
	const n = 50
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable)}, nil)
	cs, err := conn.NewStream(ctxWithTimeout(t, 10*time.Second), chatDesc, chatMethod)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range n {
		want = append(want, strconv.Itoa(i))
	}
	sent := make(chan error, 1)
	go func() {
		for _, v := range want {
			if err := cs.SendMsg(wrapperspb.String(v)); err != nil {
				sent <- err
				return
			}
		}
		sent <- cs.CloseSend()
	}()
	var got []string
	for {
		v, err := recv(cs)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if r := s.Received(); len(r) != 2 || cmp.Diff(want, r[1]) != "" {
		t.Errorf("the second stream received %v, want every message once", r)
	}
}

func TestStreamBufferLimitCommits(t *testing.T) {
	conn, s := streamClient(t, []outcome{{code: codes.Unavailable, msg: "late"}}, nil)
	cs, err := conn.NewStream(ctxWithTimeout(t, 10*time.Second), collectDesc, collectMethod, grpc.MaxRetryRPCBufferSize(8))
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, cs, "more than eight bytes", "b")
	_ = cs.CloseSend()
	_, err = recv(cs)
	var se *redress.StopError
	if errors.As(err, &se) || status.Code(err) != codes.Unavailable {
		t.Fatalf("err = %v, want grpc-go's own Unavailable: the stream was committed", err)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("server calls = %d, want 1", got)
	}
}

func TestStreamContextCommits(t *testing.T) {
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable)}, nil)
	cs, err := conn.NewStream(ctxWithTimeout(t, 10*time.Second), chatDesc, chatMethod)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Context() == nil {
		t.Fatal("Context() = nil")
	}
	sendAll(t, cs, "x")
	if _, err := recv(cs); status.Code(err) != codes.Unavailable {
		t.Fatalf("RecvMsg = %v, want Unavailable, not retried", err)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("server calls = %d, want 1", got)
	}
}

func TestStreamHeaderAndTrailer(t *testing.T) {
	conn, _ := streamClient(t, []outcome{{code: codes.Unavailable, pushback: []string{"5"}}}, nil)
	w, err := healthpb.NewHealthClient(conn).Watch(ctxWithTimeout(t, 10*time.Second), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	md, err := w.Header() // the first stream failed without a header
	if err != nil {
		t.Fatal(err)
	}
	if md != nil {
		// Headers of the retried stream: committed.
		if md.Get("content-type") == nil {
			t.Errorf("header = %v, want the server's", md)
		}
	}
	for {
		if _, err := w.Recv(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if tr := w.Trailer(); tr == nil || tr.Get(redressgrpc.PushbackKey) != nil {
		t.Errorf("trailer = %v, want the last stream's, without the first one's pushback", tr)
	}
}

func TestStreamAttemptTimeoutBeforeTheFirstMessage(t *testing.T) {
	// On the real clock: the first stream says nothing, and the attempt
	// timeout ends it; the second answers.
	hold := make(chan struct{})
	defer close(hold)
	s := &server{script: []outcome{{hold: hold}}}
	conn := dial(t, serve(t, s), grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(
		redress.WithAttemptTimeout(50*time.Millisecond),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(0))))))
	got, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SERVING", "NOT_SERVING"}, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("server calls = %d, want 2", got)
	}
}

func TestStreamCommittedOutlivesTheAttemptTimeout(t *testing.T) {
	// A committed stream lives under the caller's context: the policy's
	// attempt timeout is for the wait for the first message.
	hold := make(chan struct{})
	s := &server{script: []outcome{{first: true, hold: hold}}}
	conn := dial(t, serve(t, s), grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(
		redress.WithAttemptTimeout(20*time.Millisecond))))
	w, err := healthpb.NewHealthClient(conn).Watch(ctxWithTimeout(t, 10*time.Second), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Recv(); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, func() { close(hold) })
	if _, err := w.Recv(); err != io.EOF {
		t.Fatalf("Recv after the timeout = %v, want io.EOF: the stream lived on", err)
	}
}

func TestStreamCallerCancelsBeforeTheFirstMessage(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	conn, _ := streamClient(t, []outcome{{hold: hold}}, nil, redress.WithoutDeadline())
	ctx, cancel := context.WithCancel(context.Background())
	w, err := healthpb.NewHealthClient(conn).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = w.Recv()
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopAborted || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want ABORTED matching context.Canceled", err)
	}
}

func TestStreamHedgesShareTheAttempt(t *testing.T) {
	conn, s := streamClient(t, []outcome{fail(codes.Unavailable)}, nil, redress.WithHedging(0, 2))
	got, err := watch(ctxWithTimeout(t, 10*time.Second), conn)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SERVING", "NOT_SERVING"}, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("server calls = %d, want 2: hedges open no streams", got)
	}
}

func TestStreamHonoursPushback(t *testing.T) {
	clk := redresstest.NewAutoClock(time.Now())
	conn, s := streamClient(t, []outcome{{code: codes.Unavailable, pushback: []string{"1500"}}}, nil, redress.WithClock(clk))
	if _, err := watch(ctxWithTimeout(t, 10*time.Second), conn); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{1500 * time.Millisecond}, clk.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("server calls = %d, want 2", got)
	}
}
