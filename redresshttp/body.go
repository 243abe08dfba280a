package redresshttp

import (
	"context"
	"io"
)

// maxDrain is the most of a discarded response's body read before it is
// closed. A body drained to its end lets http.Transport reuse the
// connection; a longer one is not worth the wait, and closing it costs
// only a new connection.
const maxDrain = 64 << 10

// body is the body of a response the Transport received. The request's
// context outlives the attempt that sent it, so that the body can be read
// after the attempt returned; Close ends it.
type body struct {
	rc      io.ReadCloser
	abort   context.CancelCauseFunc // ends the request's context
	release func()                  // ends it, and stops watching the caller's
}

// rwBody is the body of a response to a protocol upgrade (101 Switching
// Protocols), which http.Transport makes writable.
type rwBody struct {
	*body
	w io.Writer
}

func (b *rwBody) Write(p []byte) (int, error) { return b.w.Write(p) }

// newBody wraps rc, and keeps it writable if it was.
func newBody(rc io.ReadCloser, abort context.CancelCauseFunc, release func()) (io.ReadCloser, *body) {
	b := &body{rc: rc, abort: abort, release: release}
	if w, ok := rc.(io.Writer); ok {
		return &rwBody{body: b, w: w}, b
	}
	return b, b
}

func (b *body) Read(p []byte) (int, error) { return b.rc.Read(p) }

// Close closes the body and then ends its request's context.
func (b *body) Close() error {
	err := b.rc.Close()
	b.release()
	return err
}

// drain reads what is left of a discarded response's body, up to maxDrain,
// and closes it. ctx, the attempt's that discards it, bounds the wait.
func drain(ctx context.Context, r received) {
	if r.body == nil {
		return // http.NoBody
	}
	stop := context.AfterFunc(ctx, func() { r.body.abort(context.Cause(ctx)) })
	defer stop()
	_, _ = io.CopyN(io.Discard, r.resp.Body, maxDrain)
	_ = r.resp.Body.Close()
}

var _ io.ReadWriteCloser = (*rwBody)(nil)
