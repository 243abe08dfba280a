package redressgrpc

import (
	"context"
	"errors"
	"io"
	"strconv"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// Retry buffer limits: past either, a stream is committed (never retried
// again) and stops buffering what it sends. The size in bytes is grpc-go's
// default for its own retry buffer, and grpc.MaxRetryRPCBufferSize
// changes it; messages that are not protocol buffers are not measured, so
// their number is bounded too.
const (
	defaultRetryBufferSize = 256 << 10
	maxBufferedMessages    = 1024
)

// StreamClientInterceptor returns an interceptor that runs every stream of
// a client connection under the policy that opts describe, from the moment
// it is opened until it is committed: while it is being established, and
// until the first response message is received (or the stream ends
// without one), a failure is classified and retried as the policy says,
// and each retry opens a new stream and sends it again, in order,
// everything sent so far (and CloseSend, if it was called). Once
// committed, a stream is never retried: its errors are grpc-go's own.
//
//	conn, err := grpc.NewClient(addr,
//		grpc.WithTransportCredentials(insecure.NewCredentials()),
//		grpc.WithDisableRetry(),
//		grpc.WithStreamInterceptor(redressgrpc.StreamClientInterceptor(policy)),
//	)
//
// A stream is committed by its first response message, or its end; by a
// call to Header that returns the server's header, or to Context, as
// grpc-go's own retries are; and when what it sent outgrows the retry
// buffer (256 KiB, or grpc.MaxRetryRPCBufferSize's limit, or 1024
// messages). Until then the messages sent are kept, not copied: as grpc-go
// requires anyway, a message must not be changed after SendMsg.
//
// Opening the stream (the interceptor call itself) retries failures to
// establish it, and returns the *redress.StopError when the policy gives
// up. After that, a failure before the commit shows in RecvMsg (or
// Header) as the *redress.StopError once the policy gives up, SendMsg
// returns nil while the stream can still be retried (the message will be
// sent again) and io.EOF once it cannot, as grpc-go does. Waiting for a
// retry happens in whichever method found the failure.
//
// The policy's deadline and attempt timeout bound each attempt until the
// commit, not the whole stream: a committed stream lives under the
// caller's context. A stream whose first message may take longer than the
// policy's deadline (60 s by default) needs redress.WithoutDeadline or a
// longer redress.WithDeadline. Hedging does not apply to streams: a hedge
// of a stream attempt shares that attempt's outcome.
//
// Invalid options do not panic: every stream then fails to open with an
// error matching redress.ErrInvalidConfig, and none reaches the server.
// The operation name, the trailers, grpc-previous-rpc-attempts and the
// returned errors are as for UnaryClientInterceptor.
//
// The returned stream is safe for the concurrent use grpc-go allows: one
// goroutine sending (SendMsg, CloseSend) while another receives. Until the
// commit, a goroutine of the interceptor's runs the policy's call; it
// ends at the commit, or when the policy gives up, or when the caller's
// context ends. As with any grpc-go stream, cancel the context or call
// RecvMsg until it fails, or the stream (and that goroutine) leaks.
func StreamClientInterceptor(opts ...redress.Option) grpc.StreamClientInterceptor {
	policies := newClientPolicy(opts)
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
		p, err := policies.forMethod(method)
		if err != nil {
			return nil, err
		}
		cs := &clientStream{
			ctx: ctx, desc: desc, cc: cc, method: method, streamer: streamer, opts: callOpts,
			limit:   retryBufferSize(callOpts),
			changed: make(chan struct{}),
		}
		go cs.run(p)
		return cs.opened()
	}
}

func retryBufferSize(opts []grpc.CallOption) int {
	n := defaultRetryBufferSize
	for _, o := range opts {
		if o, ok := o.(grpc.MaxRetryRPCBufferSizeCallOption); ok {
			n = o.MaxRetryRPCBufferSize
		}
	}
	return n
}

// clientStream is the stream StreamClientInterceptor returns: the stream
// of the current attempt, replaced by a retry until the commit.
type clientStream struct {
	// ctx is the caller's. A stream is bound to the context it was opened
	// with, as grpc-go's own streams are: every retry opens its stream
	// under it, from the goroutine that runs the policy's call.
	ctx      context.Context
	desc     *grpc.StreamDesc
	cc       *grpc.ClientConn
	method   string
	streamer grpc.Streamer
	opts     []grpc.CallOption
	limit    int

	// sendMu is held by SendMsg and CloseSend, and by an attempt while it
	// sends the buffer again, so that a message is sent on a new stream
	// once and in order.
	sendMu   sync.Mutex
	buf      []any
	bufBytes int
	closed   bool // CloseSend was called
	outgrown bool // the buffer was outgrown while no stream could be committed: no retry

	mu        sync.Mutex
	cur       *streamAttempt // the latest stream opened; nil before the first
	committed bool
	final     error         // the policy's call stopped before the commit
	ended     bool          // the policy's call returned
	changed   chan struct{} // closed, and replaced, whenever the fields above change
	inflight  *streamAttempt
	started   int // attempts that opened (or tried to open) a stream
}

// streamAttempt is one attempt: one stream.
type streamAttempt struct {
	s       grpc.ClientStream
	cancel  context.CancelCauseFunc // ends s
	detach  func() bool             // stops the attempt's context from ending s
	outcome chan error              // the attempt's one outcome: nil once committed
	claimed bool                    // under clientStream.mu: outcome has been sent
	done    chan struct{}           // the attempt's operation returned
	err     error                   // and returned this, for hedges
}

// errNoCommit would end a stream whose policy's call succeeded without
// committing it, which no attempt does.
var errNoCommit = errors.New("redressgrpc: stream call ended without a commit")

// errStreamAttemptOver is the cause with which a superseded or failed
// attempt's stream is cancelled.
var errStreamAttemptOver = errors.New("redressgrpc: stream attempt over")

// errRetryBufferOutgrown is the failure of a retry that what the stream
// sent meanwhile made impossible: past the retry buffer, nothing is kept
// to be sent again. It is PERMANENT.
var errRetryBufferOutgrown = classifier.MarkPermanent(errors.New("redressgrpc: stream not retried: what it sent outgrew the retry buffer"))

// bufferOutgrown reports whether the retry buffer was outgrown while no
// stream could be committed.
func (cs *clientStream) bufferOutgrown() bool {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	return cs.outgrown
}

// broadcastLocked wakes every goroutine waiting for a change.
func (cs *clientStream) broadcastLocked() {
	close(cs.changed)
	cs.changed = make(chan struct{})
}

// run is the policy's call: attempts until one commits or the policy
// gives up.
func (cs *clientStream) run(p *redress.Policy) {
	err := redress.Do(cs.ctx, cs.attempt, p)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.ended = true
	if !cs.committed {
		if err == nil {
			// Every attempt that returns nil has committed; this keeps
			// the stream's methods from waiting for ever if one did not.
			err = errNoCommit
		}
		cs.final = err
		if cs.cur != nil {
			cs.cur.cancel(errStreamAttemptOver)
		}
	}
	cs.broadcastLocked()
}

// opened waits for the first stream to be established, or for the policy
// to give up.
func (cs *clientStream) opened() (grpc.ClientStream, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for cs.cur == nil && cs.final == nil {
		ch := cs.changed
		cs.mu.Unlock()
		<-ch
		cs.mu.Lock()
	}
	if cs.cur == nil {
		return nil, cs.final
	}
	return cs, nil
}

// attempt is one attempt of the policy's call: open a stream, send it
// what was sent so far, and wait for its first outcome.
func (cs *clientStream) attempt(actx context.Context) error {
	cs.mu.Lock()
	if f := cs.inflight; f != nil {
		// A hedge: one stream at a time, so share the attempt's outcome.
		cs.mu.Unlock()
		select {
		case <-f.done:
			return f.err
		case <-actx.Done():
			return status.FromContextError(actx.Err()).Err()
		}
	}
	a := &streamAttempt{outcome: make(chan error, 1), done: make(chan struct{})}
	cs.inflight = a
	prev := cs.started
	cs.started++
	cs.mu.Unlock()

	err := cs.try(actx, a, prev)

	cs.mu.Lock()
	a.err = err
	cs.inflight = nil
	close(a.done)
	cs.mu.Unlock()
	return err
}

func (cs *clientStream) try(actx context.Context, a *streamAttempt, prev int) error {
	if cs.bufferOutgrown() {
		return errRetryBufferOutgrown // before opening a stream for nothing
	}
	sctx, cancel := context.WithCancelCause(cs.ctx)
	if prev > 0 {
		sctx = metadata.AppendToOutgoingContext(sctx, PreviousAttemptsKey, strconv.Itoa(prev))
	}
	s, err := cs.streamer(sctx, cs.desc, cs.cc, cs.method, cs.opts...)
	if err != nil {
		cancel(errStreamAttemptOver)
		return err
	}
	a.s, a.cancel = s, cancel
	a.detach = context.AfterFunc(actx, func() { cancel(context.Cause(actx)) })

	if err := cs.replay(a); err != nil {
		a.detach()
		cancel(errStreamAttemptOver)
		// An error of the client's own (a message it cannot encode, say):
		// another stream would fail the same way.
		return classifier.MarkPermanent(err)
	}

	select {
	case err := <-a.outcome:
		if err != nil {
			a.detach()
			cancel(errStreamAttemptOver)
		}
		return err
	case <-actx.Done():
	}
	// The attempt's context ended (its timeout, the policy's deadline or
	// the caller): the stream is being cancelled, unless it was committed
	// just before.
	err = status.FromContextError(actx.Err()).Err()
	if !cs.claim(a, err) {
		return <-a.outcome
	}
	return err
}

// replay opens a on the stream: it sends a's stream everything sent so
// far, and makes a the current attempt.
func (cs *clientStream) replay(a *streamAttempt) error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	if cs.outgrown {
		return errRetryBufferOutgrown
	}
	for _, m := range cs.buf {
		if err := a.s.SendMsg(m); err != nil {
			if err != io.EOF {
				return err // made by the client: not worth another stream
			}
			break // the stream ended: RecvMsg finds out how
		}
	}
	if cs.closed {
		_ = a.s.CloseSend() // always nil
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if old := cs.cur; old != nil {
		old.cancel(errStreamAttemptOver)
	}
	cs.cur = a
	cs.broadcastLocked()
	return nil
}

// claim sends a's outcome, unless one was sent already, and reports
// whether it did.
func (cs *clientStream) claim(a *streamAttempt, err error) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.claimLocked(a, err)
}

func (cs *clientStream) claimLocked(a *streamAttempt, err error) bool {
	if a.claimed {
		return false
	}
	a.claimed = true
	a.outcome <- err
	return true
}

// commit makes a's stream the caller's for good, if a is still the
// current attempt and its context has not ended, and reports whether the
// stream is committed.
func (cs *clientStream) commit(a *streamAttempt) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.committed {
		return true
	}
	if cs.cur != a || a.claimed || !a.detach() {
		return false
	}
	cs.committed = true
	cs.claimLocked(a, nil)
	cs.broadcastLocked()
	return true
}

// fail reports the failure err of attempt a, with a's trailers.
func (cs *clientStream) fail(a *streamAttempt, err error) {
	cs.claim(a, carryTrailer(err, a.s.Trailer()))
}
