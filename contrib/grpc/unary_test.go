package redressgrpc_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// unaryClient returns a connection to a new test server playing script,
// through UnaryClientInterceptor with opts on an auto clock started now
// (so that the deadlines grpc-go sends are real ones), and the server and
// clock.
func unaryClient(t *testing.T, script []outcome, opts ...redress.Option) (*grpc.ClientConn, *server, *redresstest.Clock) {
	t.Helper()
	s := &server{script: script}
	clk := redresstest.NewAutoClock(time.Now())
	opts = append([]redress.Option{redress.WithClock(clk)}, opts...)
	conn := dial(t, serve(t, s), grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(opts...)))
	return conn, s, clk
}

func TestUnaryRetriesAndStopsByCode(t *testing.T) {
	for code := codes.Canceled; code <= codes.Unauthenticated; code++ {
		class := wantClass[code]
		t.Run(code.String(), func(t *testing.T) {
			t.Parallel()
			conn, s, _ := unaryClient(t, []outcome{fail(code)}, redress.WithRetry(retry.WithMaxAttempts(4)))
			_, err := check(ctxWithTimeout(t, 10*time.Second), conn)
			if !class.Retryable() {
				var se *redress.StopError
				if !errors.As(err, &se) {
					t.Fatalf("err = %v, want a *redress.StopError", err)
				}
				if se.Reason != redress.StopNonRetryable || se.LastClass != class || se.Attempts != 1 {
					t.Errorf("stop = %s after %d attempts, class %v; want %s after 1, class %v",
						se.Reason, se.Attempts, se.LastClass, redress.StopNonRetryable, class)
				}
				if got := status.Code(err); got != code {
					t.Errorf("status.Code = %v, want %v", got, code)
				}
				if got := s.Calls(); got != 1 {
					t.Errorf("server calls = %d, want 1", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("a %v (%v) then a success: err = %v", code, class, err)
			}
			if got := s.Calls(); got != 2 {
				t.Errorf("server calls = %d, want 2", got)
			}
		})
	}
}

func TestUnaryGivesUp(t *testing.T) {
	script := []outcome{fail(codes.Unavailable), fail(codes.Unavailable), fail(codes.Unavailable)}
	conn, s, clk := unaryClient(t, script, redress.WithRetry(retry.WithMaxAttempts(3),
		retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second))))
	_, err := check(ctxWithTimeout(t, 10*time.Second), conn)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopMaxAttempts || se.Attempts != 3 {
		t.Fatalf("err = %v, want MAX_ATTEMPTS_GLOBAL after 3 attempts", err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if got := s.Calls(); got != 3 {
		t.Errorf("server calls = %d, want 3", got)
	}
}

func TestUnaryHonoursPushback(t *testing.T) {
	ri := func(d time.Duration) []protoadapt.MessageV1 { return []protoadapt.MessageV1{retryInfo(d)} }
	unavailable := func(pushback ...string) outcome {
		return outcome{code: codes.Unavailable, pushback: pushback}
	}
	tests := []struct {
		name       string
		give       outcome
		opts       []redress.Option
		wantSleeps []time.Duration
		wantCalls  int
		wantStop   redress.StopReason // "" for a success
	}{
		{"pushback", unavailable("1500"), nil, []time.Duration{1500 * time.Millisecond}, 2, ""},
		{"RetryInfo", outcome{code: codes.Unavailable, details: ri(3 * time.Second)}, nil, []time.Duration{3 * time.Second}, 2, ""},
		{"RetryInfo on an Aborted", outcome{code: codes.Aborted, details: ri(700 * time.Millisecond)}, nil, []time.Duration{700 * time.Millisecond}, 2, ""},
		{"the longer of the two", outcome{code: codes.Unavailable, pushback: []string{"1000"}, details: ri(2 * time.Second)}, nil, []time.Duration{2 * time.Second}, 2, ""},
		{"capped by the policy", unavailable("600000"), []redress.Option{redress.WithRetry(retry.WithMaxRetryAfter(2 * time.Second))}, []time.Duration{2 * time.Second}, 2, ""},
		{"negative: do not retry", unavailable("-1"), nil, nil, 1, redress.StopNonRetryable},
		{"unreadable: do not retry", unavailable("soon"), nil, nil, 1, redress.StopNonRetryable},
		{"a backoff of the caller's wins", unavailable("1500"), []redress.Option{redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond)))}, []time.Duration{time.Millisecond}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, s, clk := unaryClient(t, []outcome{tt.give}, tt.opts...)
			_, err := check(ctxWithTimeout(t, 10*time.Second), conn)
			var reason redress.StopReason
			if se := (*redress.StopError)(nil); errors.As(err, &se) {
				reason = se.Reason
			} else if err != nil {
				t.Fatalf("err = %v, want nil or a *redress.StopError", err)
			}
			if reason != tt.wantStop {
				t.Errorf("stop reason = %q, want %q (err %v)", reason, tt.wantStop, err)
			}
			if diff := cmp.Diff(tt.wantSleeps, clk.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if got := s.Calls(); got != tt.wantCalls {
				t.Errorf("server calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestUnaryRateLimitPushbackKeepsItsJitter(t *testing.T) {
	conn, _, clk := unaryClient(t, []outcome{{code: codes.ResourceExhausted, pushback: []string{"2000"}}})
	if _, err := check(ctxWithTimeout(t, 10*time.Second), conn); err != nil {
		t.Fatal(err)
	}
	sleeps := clk.Sleeps()
	if len(sleeps) != 1 || sleeps[0] < 2*time.Second || sleeps[0] > 2500*time.Millisecond {
		t.Errorf("sleeps = %v, want one in [2s, 2.5s]", sleeps)
	}
}

func TestUnaryCallerDeadlineShorterThanPushbackStopsAtOnce(t *testing.T) {
	conn, s, clk := unaryClient(t, []outcome{{code: codes.Unavailable, msg: "busy", pushback: []string{"10000"}}})
	_, err := check(ctxWithTimeout(t, 5*time.Second), conn)
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopDeadline || se.Attempts != 1 {
		t.Fatalf("err = %v, want DEADLINE_EXCEEDED after 1 attempt", err)
	}
	if got := clk.Sleeps(); len(got) != 0 {
		t.Errorf("sleeps = %v, want none", got)
	}
	if got := s.Calls(); got != 1 {
		t.Errorf("server calls = %d, want 1", got)
	}
	// The server's own status stays reachable through the pushback's carrier.
	var gs interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &gs) || gs.GRPCStatus().Code() != codes.Unavailable || gs.GRPCStatus().Message() != "busy" {
		t.Errorf("the server's status is not reachable: %v", err)
	}
}

func TestUnaryReturnsStopErrorWithServerStatus(t *testing.T) {
	conn, _, _ := unaryClient(t, []outcome{{code: codes.NotFound, msg: "no such service"}})
	_, err := check(ctxWithTimeout(t, 10*time.Second), conn)

	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want a *redress.StopError", err, err)
	}
	if got := status.Code(err); got != codes.NotFound {
		t.Errorf("status.Code = %v, want NotFound", got)
	}
	var gs interface{ GRPCStatus() *status.Status }
	if !errors.As(err, &gs) {
		t.Fatal("no GRPCStatus in the chain")
	}
	got := gs.GRPCStatus()
	if got.Code() != codes.NotFound || got.Message() != "no such service" {
		t.Errorf("server status = %v %q, want NotFound %q", got.Code(), got.Message(), "no such service")
	}
	// grpc-go's own FromError keeps the code but gives the wrapper's text.
	if st, ok := status.FromError(err); !ok || st.Code() != codes.NotFound || st.Message() != err.Error() {
		t.Errorf("status.FromError = %v, %v", st, ok)
	}
}

func TestUnarySetsPreviousAttempts(t *testing.T) {
	conn, s, _ := unaryClient(t, []outcome{fail(codes.Unavailable), fail(codes.Unavailable)})
	if _, err := check(ctxWithTimeout(t, 10*time.Second), conn); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"", "1", "2"}, s.Previous()); diff != "" {
		t.Errorf("grpc-previous-rpc-attempts seen by the server (-want +got):\n%s", diff)
	}
}

func TestUnaryInvalidOptionsReachNoServer(t *testing.T) {
	tests := []struct {
		name string
		give []redress.Option
	}{
		{"negative deadline", []redress.Option{redress.WithDeadline(-time.Second)}},
		{"nil classifier", []redress.Option{redress.WithClassifier(nil)}},
		{"nil option", []redress.Option{nil}},
		{"bad retry option", []redress.Option{redress.WithRetry(retry.WithMaxAttempts(0))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &server{}
			conn := dial(t, serve(t, s),
				grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(tt.give...)),
				grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(tt.give...)))
			ctx := ctxWithTimeout(t, 10*time.Second)
			for range 2 {
				if _, err := check(ctx, conn); !errors.Is(err, redress.ErrInvalidConfig) {
					t.Errorf("unary err = %v, want one matching redress.ErrInvalidConfig", err)
				}
				if _, err := conn.NewStream(ctx, chatDesc, chatMethod); !errors.Is(err, redress.ErrInvalidConfig) {
					t.Errorf("stream err = %v, want one matching redress.ErrInvalidConfig", err)
				}
			}
			if got := s.Calls(); got != 0 {
				t.Errorf("server calls = %d, want 0", got)
			}
		})
	}
}

func TestUnaryDeadlines(t *testing.T) {
	tests := []struct {
		name   string
		caller time.Duration // 0: none
		opts   []redress.Option
		want   time.Duration // the most the server may see; 0: no deadline
	}{
		{"the caller's, shorter than the policy's", 2 * time.Second, nil, 2 * time.Second},
		{"the policy's, shorter than the caller's", 30 * time.Second, []redress.Option{redress.WithDeadline(time.Second)}, time.Second},
		{"the attempt timeout", 30 * time.Second, []redress.Option{redress.WithAttemptTimeout(500 * time.Millisecond)}, 500 * time.Millisecond},
		{"the caller's, never extended by a longer policy", time.Second, []redress.Option{redress.WithDeadline(time.Hour)}, time.Second},
		{"none at all", 0, []redress.Option{redress.WithoutDeadline()}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &server{}
			conn := dial(t, serve(t, s), grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(tt.opts...)))
			ctx := context.Background()
			if tt.caller > 0 {
				ctx = ctxWithTimeout(t, tt.caller)
			}
			if _, err := check(ctx, conn); err != nil {
				t.Fatal(err)
			}
			got := s.Deadlines()[0]
			if tt.want == 0 && got != 0 || tt.want > 0 && (got <= 0 || got > tt.want) {
				t.Errorf("server saw %v left, want at most %v (0: no deadline)", got, tt.want)
			}
		})
	}
}

func TestUnaryOperationName(t *testing.T) {
	tests := []struct {
		name string
		opts []redress.Option
		want string
	}{
		{"the full method name", nil, "/grpc.health.v1.Health/Check"},
		{"the policy's own", []redress.Option{redress.WithOperation("health")}, "health"},
		{"in a prebuilt policy", []redress.Option{redress.MustNew(redress.WithOperation("prebuilt"))}, "prebuilt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var (
				mu  sync.Mutex
				ops []string
			)
			obs := redress.WithObserver(redress.ObserverFunc(func(_ context.Context, e redress.Event) {
				mu.Lock()
				defer mu.Unlock()
				ops = append(ops, e.Operation)
			}))
			conn, _, _ := unaryClient(t, []outcome{fail(codes.NotFound)}, append(tt.opts, obs)...)
			for range 2 { // the second call is served by the cached policy
				_, _ = check(ctxWithTimeout(t, 10*time.Second), conn)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff([]string{tt.want, tt.want}, ops); diff != "" {
				t.Errorf("operations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnaryPolicyClassifierWins(t *testing.T) {
	// NotFound is PERMANENT to Classifier; the caller's classifier says
	// TRANSIENT, and is used.
	transient := classifier.Func(func(error) classifier.Classification {
		return classifier.Classification{Class: classifier.Transient}
	})
	conn, s, _ := unaryClient(t, []outcome{fail(codes.NotFound)}, redress.WithClassifier(transient))
	if _, err := check(ctxWithTimeout(t, 10*time.Second), conn); err != nil {
		t.Fatal(err)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("server calls = %d, want 2", got)
	}
}

func TestUnaryHedgesWriteTheirOwnReply(t *testing.T) {
	// The first attempt hangs; its hedge answers. The caller's reply,
	// header and trailer are the hedge's, and -race sees no shared write.
	hold, entered := make(chan struct{}), make(chan struct{})
	defer close(hold)
	clk := redresstest.NewClock(time.Now())
	s := &server{script: []outcome{{hold: hold, entered: entered}}}
	conn := dial(t, serve(t, s), grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(
		redress.WithClock(clk), redress.WithoutDeadline(), redress.WithHedging(time.Second, 1))))
	go func() {
		<-entered // the first attempt is at the server
		clk.WaitForSleepers(1)
		clk.Advance(time.Second)
	}()
	var trailer metadata.MD
	resp, err := check(ctxWithTimeout(t, 10*time.Second), conn, grpc.Trailer(&trailer))
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetStatus().String() != "SERVING" {
		t.Errorf("reply = %v, want SERVING", resp)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("server calls = %d, want 2", got)
	}
	if diff := cmp.Diff([]string{"", "1"}, s.Previous()); diff != "" {
		t.Errorf("grpc-previous-rpc-attempts (-want +got):\n%s", diff)
	}
	if trailer == nil {
		t.Error("the caller's trailer was not delivered")
	}
}
