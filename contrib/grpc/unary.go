package redressgrpc

import (
	"context"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/redress-go/redress"
)

// UnaryClientInterceptor returns an interceptor that runs every unary call
// of a client connection under the policy that opts describe: each
// failure is classified (by Classifier unless the options set a classifier
// with redress.WithClassifier) and retried, refused by an open breaker,
// or stopped, as the policy says.
//
//	conn, err := grpc.NewClient(addr,
//		grpc.WithTransportCredentials(insecure.NewCredentials()),
//		grpc.WithDisableRetry(), // redress retries: see docs/grpc.md
//		grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(policy)),
//	)
//
// The options are validated once, here. Invalid options do not panic:
// every call then fails with an error matching redress.ErrInvalidConfig,
// and none reaches the server.
//
// A call's operation name is its full method name ("/pkg.Service/Method")
// unless the options name one with redress.WithOperation. Each attempt
// runs under the attempt's context, which carries the caller's deadline
// (never a later one) cut at the policy's deadline and attempt timeout;
// grpc-go sends that deadline to the server. Retries carry the header
// grpc-previous-rpc-attempts. Each attempt's trailers are captured, so
// that a server's grpc-retry-pushback-ms travels with the error that
// Classifier reads. Unless the options set a backoff, a retry after a
// pushback or a RetryInfo waits exactly what the server asked for, and
// the policy's default backoff otherwise.
//
// A call that fails returns the *redress.StopError, which wraps the last
// attempt's error: status.Code(err) gives the server's code, and the
// server's status, with its own message, is the one errors.As finds on an
// interface{ GRPCStatus() *status.Status }. A call that never reached the
// server (an open breaker, invalid options) has no status of the server:
// status.Code gives codes.Unknown.
//
// Hedged attempts (redress.WithHedging) each get a reply message and
// header and trailer targets of their own; the winner's are copied into
// the caller's when the call returns.
func UnaryClientInterceptor(opts ...redress.Option) grpc.UnaryClientInterceptor {
	policies := newClientPolicy(opts)
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		p, err := policies.forMethod(method)
		if err != nil {
			return err
		}
		u := &unaryCall{method: method, req: req, reply: reply, cc: cc, invoker: invoker, opts: callOpts}
		u.deadline, u.hasDeadline = ctx.Deadline()
		own, err := redress.Execute(ctx, u.attempt, p)
		if own != nil {
			own.deliver(u, err == nil)
		}
		return err
	}
}

// unaryCall is one call through UnaryClientInterceptor.
type unaryCall struct {
	method  string
	req     any
	reply   any
	cc      *grpc.ClientConn
	invoker grpc.UnaryInvoker
	opts    []grpc.CallOption

	deadline    time.Time // the caller's
	hasDeadline bool

	started atomic.Int32 // invocations started
	busy    atomic.Bool  // an invocation is writing into reply and opts' targets

	// Of the invocation that holds busy.
	trailer metadata.MD
	optsBuf [4]grpc.CallOption
}

// attempt is one invocation of the call. When no other invocation is in
// flight it writes straight into the caller's reply and returns nil;
// otherwise (a hedge) it writes into targets of its own, returned.
func (u *unaryCall) attempt(ctx context.Context) (*ownTargets, error) {
	if u.hasDeadline {
		ctx = noLaterThan(ctx, u.deadline)
	}
	if prev := u.started.Add(1) - 1; prev > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, PreviousAttemptsKey, strconv.Itoa(int(prev)))
	}
	if u.busy.CompareAndSwap(false, true) {
		defer u.busy.Store(false)
		u.trailer = nil // no stale trailer if this attempt gets none
		err := u.invoker(ctx, u.method, u.req, u.reply, u.cc, u.withTrailer()...)
		return nil, carryTrailer(err, u.trailer)
	}
	own := newOwnTargets(u.reply)
	err := u.invoker(ctx, u.method, u.req, own.reply, u.cc, own.options(u.opts)...)
	return own, carryTrailer(err, own.trailer)
}

// noLaterThan returns the attempt's context ctx, reporting the caller's
// deadline when that comes first. On the real clock it always does
// already; an attempt's deadline on a fake clock ahead of the real time
// would otherwise send the server more time than the caller gave.
func noLaterThan(ctx context.Context, caller time.Time) context.Context {
	if dl, ok := ctx.Deadline(); ok && !dl.After(caller) {
		return ctx
	}
	return deadlineContext{ctx, caller}
}

// deadlineContext is a context that reports another deadline. Only what
// Deadline reports changes: the context still ends when ctx does.
type deadlineContext struct {
	context.Context
	deadline time.Time
}

func (c deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }

// withTrailer returns the caller's options and one that captures the
// trailer into u.trailer, in a slice of u's own: the caller's belongs to
// the caller, and hedges read it at the same time.
func (u *unaryCall) withTrailer() []grpc.CallOption {
	opts := u.optsBuf[:0]
	if len(u.opts) >= len(u.optsBuf) {
		opts = make([]grpc.CallOption, 0, len(u.opts)+1)
	}
	return append(append(opts, u.opts...), grpc.Trailer(&u.trailer))
}

// ownTargets are what a hedged invocation writes instead of the caller's
// reply and Header, Trailer and Peer targets.
type ownTargets struct {
	reply           any
	header, trailer metadata.MD
	peer            peer.Peer
	hasPeer         bool
}

func newOwnTargets(reply any) *ownTargets {
	own := &ownTargets{reply: reply}
	if v := reflect.ValueOf(reply); v.Kind() == reflect.Pointer && !v.IsNil() {
		own.reply = reflect.New(v.Type().Elem()).Interface()
	}
	return own
}

// options returns opts with the Header, Trailer and Peer options pointed
// at o's targets, and a Trailer option of o's own.
func (o *ownTargets) options(opts []grpc.CallOption) []grpc.CallOption {
	out := make([]grpc.CallOption, 0, len(opts)+1)
	for _, opt := range opts {
		switch opt.(type) {
		case grpc.HeaderCallOption:
			opt = grpc.Header(&o.header)
		case grpc.TrailerCallOption:
			continue // captured below
		case grpc.PeerCallOption:
			opt, o.hasPeer = grpc.Peer(&o.peer), true
		}
		out = append(out, opt)
	}
	return append(out, grpc.Trailer(&o.trailer))
}

// deliver copies what a hedged invocation received into the caller's
// targets: its reply when it won, and its header, trailer and peer. It runs
// after every invocation has returned.
func (o *ownTargets) deliver(u *unaryCall, won bool) {
	if won && o.reply != u.reply {
		copyReply(u.reply, o.reply)
	}
	for _, opt := range u.opts {
		switch opt := opt.(type) {
		case grpc.HeaderCallOption:
			*opt.HeaderAddr = o.header
		case grpc.TrailerCallOption:
			*opt.TrailerAddr = o.trailer
		case grpc.PeerCallOption:
			if o.hasPeer {
				*opt.PeerAddr = o.peer
			}
		}
	}
}

// copyReply makes dst a copy of src, two pointers to messages of one type.
func copyReply(dst, src any) {
	if d, ok := dst.(proto.Message); ok {
		if s, ok := src.(proto.Message); ok {
			proto.Reset(d)
			proto.Merge(d, s)
			return
		}
	}
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}

// trailerError is a failed attempt's error with the trailers of its
// response, for Classifier to read the pushback from. It is the error's
// own status that errors.As finds through it.
type trailerError struct {
	err     error
	trailer metadata.MD
}

func (e *trailerError) Error() string              { return e.err.Error() }
func (e *trailerError) Unwrap() error              { return e.err }
func (e *trailerError) Trailer() metadata.MD       { return e.trailer }
func (e *trailerError) GRPCStatus() *status.Status { return status.Convert(e.err) }

// carryTrailer returns err with trailer attached when the trailer says
// when (or whether) to retry, and err itself otherwise.
func carryTrailer(err error, trailer metadata.MD) error {
	if err == nil || len(trailer.Get(PushbackKey)) == 0 {
		return err
	}
	return &trailerError{err: err, trailer: trailer}
}
