package redressgrpc_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/wrapperspb"

	redressgrpc "github.com/redress-go/redress/contrib/grpc"
)

// outcome is how the test server answers one call (or one stream).
type outcome struct {
	code     codes.Code // codes.OK: answer normally
	msg      string
	pushback []string // grpc-retry-pushback-ms trailer values
	details  []protoadapt.MessageV1
	first    bool          // streams: send one message before failing
	early    bool          // Collect: answer before reading anything
	hold     chan struct{} // wait for it (or the call's end) before answering
	entered  chan struct{} // closed when the call takes this outcome
}

func (o outcome) err() error {
	st := status.New(o.code, o.msg)
	if len(o.details) > 0 {
		var err error
		if st, err = st.WithDetails(o.details...); err != nil {
			panic(err)
		}
	}
	return st.Err()
}

// fail is an outcome that fails with code and no trailer.
func fail(code codes.Code) outcome { return outcome{code: code, msg: "scripted " + code.String()} }

// server is the test server: a health service and an echo service whose
// calls answer as their script says, in order, and normally once it has
// run out. It records what each call saw.
type server struct {
	healthpb.UnimplementedHealthServer

	mu        sync.Mutex
	script    []outcome
	calls     int
	previous  []string        // grpc-previous-rpc-attempts of each call, "" when absent
	deadlines []time.Duration // time left of each call when it started; 0: none
	received  [][]string      // echo streams: what each received
}

func (s *server) next(ctx context.Context) outcome {
	md, _ := metadata.FromIncomingContext(ctx)
	var left time.Duration
	if dl, ok := ctx.Deadline(); ok {
		left = time.Until(dl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.previous = append(s.previous, strings.Join(md.Get(redressgrpc.PreviousAttemptsKey), ","))
	s.deadlines = append(s.deadlines, left)
	if len(s.script) == 0 {
		return outcome{}
	}
	o := s.script[0]
	s.script = s.script[1:]
	return o
}

func (s *server) answer(ctx context.Context, o outcome) error {
	if o.entered != nil {
		close(o.entered)
	}
	if o.hold != nil {
		select {
		case <-o.hold:
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	if len(o.pushback) > 0 {
		md := metadata.MD{}
		md.Append(redressgrpc.PushbackKey, o.pushback...)
		_ = grpc.SetTrailer(ctx, md)
	}
	if o.code == codes.OK {
		return nil
	}
	return o.err()
}

// Calls returns how many calls the server received.
func (s *server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *server) Previous() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.previous...)
}

func (s *server) Deadlines() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.deadlines...)
}

func (s *server) Received() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.received...)
}

func (s *server) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if err := s.answer(ctx, s.next(ctx)); err != nil {
		return nil, err
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// Watch sends SERVING, then NOT_SERVING, then ends, unless the script says
// otherwise.
func (s *server) Watch(req *healthpb.HealthCheckRequest, ss grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	ctx := ss.Context()
	o := s.next(ctx)
	if o.first {
		if err := ss.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}); err != nil {
			return err
		}
	}
	if err := s.answer(ctx, o); err != nil {
		return err
	}
	if o.first {
		return nil
	}
	for _, st := range []healthpb.HealthCheckResponse_ServingStatus{healthpb.HealthCheckResponse_SERVING, healthpb.HealthCheckResponse_NOT_SERVING} {
		if err := ss.Send(&healthpb.HealthCheckResponse{Status: st}); err != nil {
			return err
		}
	}
	return nil
}

// The echo service: a hand-written service description with a client
// streaming method (Collect: the messages joined with "+") and a
// bidirectional one (Chat: each message sent back), both on
// wrapperspb.StringValue, so that no code generation is needed.
const (
	collectMethod = "/redressgrpc.test.Echo/Collect"
	chatMethod    = "/redressgrpc.test.Echo/Chat"
)

var echoDesc = grpc.ServiceDesc{
	ServiceName: "redressgrpc.test.Echo",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{
		{StreamName: "Collect", Handler: collect, ClientStreams: true},
		{StreamName: "Chat", Handler: chat, ClientStreams: true, ServerStreams: true},
	},
}

var (
	collectDesc = &echoDesc.Streams[0]
	chatDesc    = &echoDesc.Streams[1]
)

// collect reads every message, then answers as the script says.
func collect(srv any, ss grpc.ServerStream) error {
	s := srv.(*server)
	o := s.next(ss.Context())
	var got []string
	i := s.stream()
	if o.early {
		if err := s.answer(ss.Context(), o); err != nil {
			return err
		}
	}
	for {
		m := new(wrapperspb.StringValue)
		if err := ss.RecvMsg(m); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		got = append(got, m.GetValue())
		s.record(i, got)
	}
	if err := s.answer(ss.Context(), o); err != nil {
		return err
	}
	return ss.SendMsg(wrapperspb.String(strings.Join(got, "+")))
}

// chat fails as the script says once it has the first message, or sends
// every message back.
func chat(srv any, ss grpc.ServerStream) error {
	s := srv.(*server)
	o := s.next(ss.Context())
	i := s.stream()
	var got []string
	for n := 0; ; n++ {
		m := new(wrapperspb.StringValue)
		if err := ss.RecvMsg(m); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		got = append(got, m.GetValue())
		s.record(i, got)
		if n == 0 {
			if err := s.answer(ss.Context(), o); err != nil {
				return err
			}
		}
		if err := ss.SendMsg(m); err != nil {
			return err
		}
	}
}

// stream starts the record of an echo stream and returns its index.
func (s *server) stream() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, nil)
	return len(s.received) - 1
}

func (s *server) record(i int, got []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received[i] = append([]string(nil), got...)
}

// serve starts a server on a loopback port with the health and echo
// services answering as s's script says, and returns its address.
func serve(t testing.TB, s *server, opts ...grpc.ServerOption) string {
	t.Helper()
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, s)
	srv.RegisterService(&echoDesc, s)
	addr, stop := serveWith(t, srv)
	t.Cleanup(stop)
	return addr
}

// serveWith serves srv on a loopback port, and returns its address and a
// function that stops it.
func serveWith(t testing.TB, srv *grpc.Server) (addr string, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	return lis.Addr().String(), func() {
		srv.Stop()
		<-done
	}
}

// dial connects to addr, without grpc-go's own retries unless opts turn
// them on again.
func dial(t testing.TB, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	all := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDisableRetry(),
	}, opts...)
	conn, err := grpc.NewClient(addr, all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// check makes one health check.
func check(ctx context.Context, conn *grpc.ClientConn, opts ...grpc.CallOption) (*healthpb.HealthCheckResponse, error) {
	return healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, opts...)
}

// ctxWithTimeout is a context for one test call, ended with the test.
func ctxWithTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
