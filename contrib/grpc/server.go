package redressgrpc

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/retry"
)

// UnaryServerInterceptor returns an interceptor that sheds load before it
// reaches a server's handlers, with the circuit breaker, bulkhead and
// throttle of the policy that opts describe:
//
//	srv := grpc.NewServer(
//		grpc.UnaryInterceptor(redressgrpc.UnaryServerInterceptor(
//			redress.WithBreaker(br),
//			redress.WithBulkhead(bh),
//		)),
//	)
//
// Each call runs its handler once, whatever the policy's retry and
// hedging settings (servers do not retry their own handlers: the client
// decides), with no
// deadline of the policy's: the incoming call's deadline bounds it, and
// an attempt timeout of the policy's, if any, bounds the handler.
//
// A call the policy sheds never reaches the handler. It fails with
// codes.Unavailable when the breaker is open or the bulkhead full, and
// with codes.ResourceExhausted when the throttle rejects it; when the
// server knows when to come back (an open breaker: when it lets a probe
// through), the trailer grpc-retry-pushback-ms says so, which the client
// interceptors of this package, and grpc-go's own retries, honour. The
// shed error unwraps to the *redress.StopError, for interceptors outside
// this one.
//
// The handler's own error is returned unchanged. For the breaker it is
// classified by Classifier, unless the options set a classifier, so that
// a handler failing with Unavailable or Internal counts as a failure and
// one answering NotFound does not.
//
// Invalid options do not panic: every call then fails with
// codes.Internal, with an error matching redress.ErrInvalidConfig, and no
// handler runs.
func UnaryServerInterceptor(opts ...redress.Option) grpc.UnaryServerInterceptor {
	policies := newServerPolicy(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		p, err := policies.forMethod(info.FullMethod)
		if err != nil {
			return nil, &configError{err}
		}
		var (
			once onlyOnce
			resp any
		)
		once.arm()
		err = redress.Do(ctx, func(ctx context.Context) error {
			return once.run(func() error {
				var err error
				resp, err = handler(ctx, req)
				return err
			})
		}, p)
		if err == nil {
			return resp, nil
		}
		shed, handlerErr := answer(ctx, err)
		if shed != nil {
			if pb := shed.trailer(); pb != nil {
				_ = grpc.SetTrailer(ctx, pb) // fails only outside a gRPC call
			}
			return nil, shed
		}
		return resp, handlerErr
	}
}

// StreamServerInterceptor returns an interceptor that sheds load before it
// reaches a server's stream handlers, as UnaryServerInterceptor does for
// unary calls. The handler runs once, with the stream given to the
// interceptor (its context bounded by the policy's attempt timeout, if
// any); its error is returned unchanged.
func StreamServerInterceptor(opts ...redress.Option) grpc.StreamServerInterceptor {
	policies := newServerPolicy(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		p, err := policies.forMethod(info.FullMethod)
		if err != nil {
			return &configError{err}
		}
		ctx := ss.Context()
		var once onlyOnce
		once.arm()
		err = redress.Do(ctx, func(actx context.Context) error {
			return once.run(func() error {
				if actx != ctx {
					return handler(srv, &serverStream{ServerStream: ss, ctx: actx})
				}
				return handler(srv, ss)
			})
		}, p)
		if err == nil {
			return nil
		}
		shed, handlerErr := answer(ctx, err)
		if shed != nil {
			if pb := shed.trailer(); pb != nil {
				ss.SetTrailer(pb)
			}
			return shed
		}
		return handlerErr
	}
}

func newServerPolicy(opts []redress.Option) *clientPolicy {
	all := make([]redress.Option, 0, len(opts)+3)
	all = append(all, redress.WithDefaultClassifier(Classifier))
	all = append(all, opts...)
	all = append(all, redress.WithRetry(retry.WithMaxAttempts(1)), redress.WithoutDeadline())
	base, err := redress.New(all...)
	if err != nil {
		return &clientPolicy{err: err}
	}
	return &clientPolicy{base: base, named: base.Operation() != ""}
}

// onlyOnce runs a handler once per call. The server's policy makes one
// attempt, but a policy that hedges (redress.WithHedging) would start
// another invocation of it alongside: that one waits for the handler and
// shares its outcome instead of running it again.
// Call arm before the policy's call starts.
type onlyOnce struct {
	started atomic.Bool
	done    sync.WaitGroup
	err     error
}

func (o *onlyOnce) arm() { o.done.Add(1) }

func (o *onlyOnce) run(handler func() error) error {
	if !o.started.CompareAndSwap(false, true) {
		o.done.Wait()
		return o.err
	}
	defer o.done.Done()
	o.err = handler()
	return o.err
}

// serverStream is a ServerStream whose context is the attempt's.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

// answer sorts the error of a server call: a shed call gets a status of
// its own; otherwise handlerErr is the handler's error, or the incoming
// call's end.
func answer(ctx context.Context, err error) (shed *shedError, handlerErr error) {
	var se *redress.StopError
	if !errors.As(err, &se) {
		return nil, err
	}
	switch se.Reason {
	case redress.StopCircuitOpen, redress.StopBulkheadFull:
		return &shedError{code: codes.Unavailable, stop: se, pushback: comeBackIn(se)}, nil
	case redress.StopThrottled:
		return &shedError{code: codes.ResourceExhausted, stop: se, pushback: comeBackIn(se)}, nil
	}
	if se.Err != nil {
		return nil, se.Err
	}
	if ctx.Err() != nil {
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return nil, status.Error(codes.Unavailable, se.Error())
}

// comeBackIn returns how long until the stage that shed the call will let
// one through, or 0 when it does not say: an open breaker's recovery, or
// an error in the chain with a method RetryAfter() time.Duration.
func comeBackIn(se *redress.StopError) time.Duration {
	var open *breaker.OpenError
	if errors.As(se, &open) && open.RetryIn > 0 {
		return open.RetryIn
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(se, &ra) {
		return max(ra.RetryAfter(), 0)
	}
	return 0
}

// shedError is the error of a call the server shed: its status is the
// shed's, and it unwraps to the *redress.StopError.
type shedError struct {
	code     codes.Code
	stop     *redress.StopError
	pushback time.Duration
}

func (e *shedError) Error() string { return e.stop.Error() }
func (e *shedError) Unwrap() error { return e.stop }

// GRPCStatus is the status the client receives. Its message names the
// stop reason only: what the server's stages said stays on the server,
// with the StopError.
func (e *shedError) GRPCStatus() *status.Status {
	return status.New(e.code, "server shed the call ("+string(e.stop.Reason)+")")
}

// trailer returns the pushback trailer, or nil when the server does not
// know when to come back. The pushback is rounded up to the millisecond,
// so that a client never comes back early.
func (e *shedError) trailer() metadata.MD {
	if e.pushback <= 0 {
		return nil
	}
	ms := (e.pushback + time.Millisecond - 1) / time.Millisecond
	return metadata.Pairs(PushbackKey, strconv.FormatInt(int64(ms), 10))
}

// configError is the error of every server call when the interceptor's
// options were invalid.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// GRPCStatus is the status the client receives.
func (e *configError) GRPCStatus() *status.Status {
	return status.New(codes.Internal, "server misconfigured: "+e.err.Error())
}
