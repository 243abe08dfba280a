package redresshttp

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/redress-go/redress/internal/clock"
)

// exchange is one send of the request: the context it goes out under,
// and the response that came back. It is itself the request's context:
// it carries the attempt's values, follows the attempt's end until the
// response headers come and the caller's end throughout, and ends when
// the response's body is closed. It is also that body as the caller sees
// it (see Read and Close), so that closing the body releases what the
// exchange watches. Being both saves the allocations that a
// context.WithCancelCause and a wrapper would cost on every request.
type exchange struct {
	c       *call
	attempt int
	actx    context.Context // the attempt's: values, and the end of the send until headers come

	// What ends the send until the headers come: a timer at the
	// attempt's deadline when that is all that can end the attempt
	// (besides the caller, followed by stopCaller), or else a
	// registration with actx. At most one is set.
	timer      clock.Timer
	stopAtt    func() bool
	stopCaller func() bool // stops following the caller's context; may be nil

	mu    sync.Mutex
	done  chan struct{} // made by Done or end
	err   error         // non-nil once ended
	cause error
	fn    func()   // the first function registered by AfterFunc, run by end
	funcs []func() // any others

	resp *http.Response
	rc   io.ReadCloser // Base's body; nil for none
}

var (
	_ context.Context                            = (*exchange)(nil)
	_ interface{ AfterFunc(func()) func() bool } = (*exchange)(nil)
)

// closed is a closed channel, the Done of an exchange that ended before
// anyone asked for it.
var closed = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// Deadline reports no deadline: the attempt's deadline applies until the
// headers come, and the body is read under the caller's only.
func (x *exchange) Deadline() (time.Time, bool) { return time.Time{}, false }

// Value returns the attempt's values. The key under which context.Cause
// looks for the nearest cancelable context is answered from the exchange
// itself, so that the cause is why the exchange ended and not that of a
// context of the attempt's that ended since (a hedge's, cancelled when
// the attempt returned).
func (x *exchange) Value(key any) any {
	if key == cancelCtxKey {
		return x.causeValue(key)
	}
	return x.actx.Value(key)
}

// causeValue answers context.Cause's lookup: nil, for Cause to report
// Err, unless the exchange ended with a cause of its own, which a
// context cancelled with it then carries.
func (x *exchange) causeValue(key any) any {
	x.mu.Lock()
	err, cause := x.err, x.cause
	x.mu.Unlock()
	if err == nil || cause == err {
		return nil
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	return ctx.Value(key)
}

// cancelCtxKey is the key under which the context package finds the
// nearest cancelable context, read by asking a probe for it: context.Cause
// looks it up with Value once Err reports an end.
var cancelCtxKey = func() any {
	var p keyProbe
	_ = context.Cause(&p)
	return p.key
}()

type keyProbe struct {
	context.Context
	key any
}

func (p *keyProbe) Value(key any) any {
	if p.key == nil {
		p.key = key
	}
	return nil
}

func (p *keyProbe) Err() error { return context.Canceled }

// Done returns a channel closed when the exchange ends.
func (x *exchange) Done() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done == nil {
		x.done = make(chan struct{})
	}
	return x.done
}

// Err returns nil until the exchange ends, and then the error of the
// context that ended it, or context.Canceled.
func (x *exchange) Err() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.err
}

// AfterFunc runs f when the exchange ends; it is how
// a context made from the exchange with context.WithCancel (as
// http.Transport makes one for each request) follows it without a
// goroutine of its own. The stop function it returns does nothing: f then
// runs at the end of the exchange all the same, which is harmless for the
// cancel functions that context registers, and saves an allocation.
func (x *exchange) AfterFunc(f func()) func() bool {
	x.mu.Lock()
	if x.err == nil {
		if x.fn == nil {
			x.fn = f // http.Transport registers one: no slice for it
		} else {
			x.funcs = append(x.funcs, f)
		}
		x.mu.Unlock()
		return noStop
	}
	x.mu.Unlock()
	go f()
	return noStop
}

func noStop() bool { return false }

// end ends the exchange with err and cause, unless it has ended, and stops
// watching anything.
func (x *exchange) end(err, cause error) {
	x.mu.Lock()
	if x.err != nil {
		x.mu.Unlock()
		return
	}
	if err == nil {
		err = context.Canceled
	}
	if cause == nil {
		cause = err
	}
	x.err, x.cause = err, cause
	if x.done == nil {
		x.done = closed
	} else {
		close(x.done)
	}
	fn, funcs := x.fn, x.funcs
	x.fn, x.funcs = nil, nil
	x.mu.Unlock()
	// The functions come from context.WithCancel and context.AfterFunc,
	// which register cancel functions that are quick and start any user
	// function in a goroutine of their own: they run here.
	if fn != nil {
		fn()
	}
	for _, f := range funcs {
		f()
	}
}

// follow arranges for the exchange to end when the attempt ctx or the
// caller's context ends.
func (x *exchange) follow(ctx context.Context) {
	c := x.c
	if caller := c.Context; caller.Done() != nil {
		x.stopCaller = context.AfterFunc(caller, x.callerEnded)
	}
	switch {
	case ctx == context.Context(c):
		// The attempt ends with the caller only.
	case endsAtDeadline(ctx, c):
		if dl, ok := ctx.Deadline(); ok {
			clk := c.t.shared.clock
			x.timer = clk.AfterFunc(dl.Sub(clk.Now()), x.attemptEnded)
		}
	case ctx.Done() != nil:
		x.stopAtt = context.AfterFunc(ctx, x.attemptEnded)
	}
}

// endsAtDeadline reports whether ctx is the context of a call of c that
// ends only at its deadline on the policy's clock or with c: the context
// redress makes once per call (it has a Parent method), which attempts
// without a timeout of their own run under. Following it with a timer
// costs less than registering with it.
func endsAtDeadline(ctx context.Context, c *call) bool {
	p, ok := ctx.(interface{ Parent() context.Context })
	return ok && p.Parent() == context.Context(c)
}

// headersCame stops following the attempt, and reports whether the
// attempt was still on: when it was not, the exchange has ended.
func (x *exchange) headersCame() bool {
	switch {
	case x.timer != nil:
		return x.timer.Stop()
	case x.stopAtt != nil:
		return x.stopAtt()
	}
	return true
}

func (x *exchange) attemptEnded() { x.end(x.actx.Err(), context.Cause(x.actx)) }
func (x *exchange) callerEnded()  { x.end(x.c.Context.Err(), context.Cause(x.c.Context)) }

// release stops following any context and ends the exchange.
func (x *exchange) release() {
	x.headersCame()
	if x.stopCaller != nil {
		x.stopCaller()
	}
	x.end(nil, nil)
}

// Read reads the response's body.
func (x *exchange) Read(p []byte) (int, error) { return x.rc.Read(p) }

// Close closes the response's body and then releases the exchange.
func (x *exchange) Close() error {
	err := x.rc.Close()
	x.release()
	return err
}
