package redressgrpc

// The methods of the stream StreamClientInterceptor returns.

import (
	"context"
	"io"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/redress-go/redress/classifier"
)

// state is what the methods of the stream need to know.
type state struct {
	cur       *streamAttempt
	committed bool
	final     error
	changed   <-chan struct{}
}

func (cs *clientStream) state() state {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return state{cs.cur, cs.committed, cs.final, cs.changed}
}

// next waits until attempt a is no longer the latest, or the stream is
// committed, or the policy gave up.
func (cs *clientStream) next(a *streamAttempt) {
	for {
		st := cs.state()
		if st.cur != a || st.committed || st.final != nil {
			return
		}
		<-st.changed
	}
}

// RecvMsg receives a message. Before the commit, a failure is retried as
// the policy says, and the *redress.StopError is returned once it gives
// up.
func (cs *clientStream) RecvMsg(m any) error {
	for {
		st := cs.state()
		switch {
		case st.committed:
			err := st.cur.s.RecvMsg(m)
			if err != nil || !cs.desc.ServerStreams {
				st.cur.cancel(nil) // the stream is over: release its context
			}
			return err
		case st.final != nil:
			return st.final
		}
		a := st.cur
		err := a.s.RecvMsg(m)
		if err == nil || err == io.EOF {
			if cs.commit(a) {
				cs.dropBuffer()
				if err != nil || !cs.desc.ServerStreams {
					a.cancel(nil)
				}
				return err
			}
			// The attempt ended as the message came: its stream is
			// cancelled, and the message will come again, or not.
		} else {
			cs.fail(a, err)
		}
		cs.next(a)
	}
}

// SendMsg sends a message. Before the commit, the message is kept to be
// sent again on a retry, and a stream that ended returns nil: the retry
// will send it.
func (cs *clientStream) SendMsg(m any) error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	st := cs.state()
	switch {
	case st.committed:
		cs.buf = nil
		return st.cur.s.SendMsg(m)
	case st.final != nil:
		return io.EOF // RecvMsg returns the error
	}
	a := st.cur
	cs.buf = append(cs.buf, m)
	if pm, ok := m.(proto.Message); ok {
		cs.bufBytes += proto.Size(pm)
	}
	err := a.s.SendMsg(m)
	if cs.bufBytes > cs.limit || len(cs.buf) > maxBufferedMessages {
		if cs.commit(a) {
			cs.buf = nil
			return err
		}
		// a is over and a retry is coming (or the policy is deciding):
		// past the buffer there is to be none, as if a were committed.
		cs.buf, cs.outgrown = nil, true
		return io.EOF
	}
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		// The stream ended; RecvMsg finds out how, and a retry sends m again.
		return nil
	}
	// An error of the client's own (a message it cannot encode, say): the
	// stream is over, and another one would fail the same way.
	cs.claim(a, classifier.MarkPermanent(err))
	return err
}

// CloseSend closes the sending side; a retry closes the new stream's too.
func (cs *clientStream) CloseSend() error {
	cs.sendMu.Lock()
	defer cs.sendMu.Unlock()
	cs.closed = true
	if st := cs.state(); st.final == nil {
		return st.cur.s.CloseSend()
	}
	return nil
}

// Header returns the header of the current stream. A header received
// commits the stream, as with grpc-go's own retries: the caller has seen
// which stream answered. A failure before the commit is retried as in
// RecvMsg.
func (cs *clientStream) Header() (metadata.MD, error) {
	for {
		st := cs.state()
		switch {
		case st.committed:
			return st.cur.s.Header()
		case st.final != nil:
			return nil, st.final
		}
		a := st.cur
		md, err := a.s.Header()
		switch {
		case err == nil && md == nil:
			return nil, nil // ended without a header: RecvMsg says how
		case err == nil:
			if cs.commit(a) {
				cs.dropBuffer()
				return md, nil
			}
		default:
			cs.fail(a, err)
		}
		cs.next(a)
	}
}

// dropBuffer lets go of what a committed stream sent, unless a SendMsg
// holds the buffer now (blocked by flow control, say): that SendMsg, or
// the next, drops it.
func (cs *clientStream) dropBuffer() {
	if cs.sendMu.TryLock() {
		cs.buf = nil
		cs.sendMu.Unlock()
	}
}

// Trailer returns the trailer of the latest stream.
func (cs *clientStream) Trailer() metadata.MD {
	return cs.state().cur.s.Trailer()
}

// Context returns the context of the current stream, and commits it, as
// grpc-go does: a retry would make that context stale.
func (cs *clientStream) Context() context.Context {
	a := cs.state().cur
	if cs.commit(a) {
		cs.dropBuffer()
	}
	return a.s.Context()
}
