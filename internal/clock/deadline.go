package clock

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Deadline is a context that ends at a deadline on a Clock, or when its
// parent ends, whichever is first. It is built for the one context a call
// of redress makes: it costs one allocation and arms nothing until someone
// waits on it.
//
// Until Done is first called it is lazy: Err compares the clock's time
// with the deadline (and asks the parent), and no timer, goroutine or
// registration with the parent exists. The first Done arms it: a timer on
// the clock fires at the deadline, and the parent's end is followed with
// context.AfterFunc. Children made with context.WithCancel register with
// it through its AfterFunc method, so they need no goroutine.
//
// When its own deadline ends it, Err returns context.DeadlineExceeded and
// context.Cause returns the cause given to NewDeadline; when the parent
// ends it, both are the parent's. Stop ends it with context.Canceled and
// releases what arming took; call it when the work under the context is
// over.
type Deadline struct {
	parent   context.Context
	clk      Clock
	deadline time.Time
	cause    error

	done atomic.Value // chan struct{}, set by the first Done

	mu      sync.Mutex
	err     error       // non-nil once ended
	own     bool        // ended by its own deadline
	stop    bool        // ended by Stop
	stopped atomic.Bool // Stop was called; read by those that settle it lazily
	armed   *armed      // what the first Done set up; nil until then
}

// armed is what a Deadline holds once someone has waited on it, kept
// apart so that a context nobody waits on stays small (one allocation of
// a smaller size class on every call).
type armed struct {
	timer      Timer
	stopParent func() bool
	funcs      map[*afterFunc]struct{}
	causeCtx   context.Context // carries cause for context.Cause; made when the deadline ends it
}

type afterFunc struct{ f func() }

// NewDeadline returns a context that ends at deadline on c or when parent
// ends. cause is what context.Cause reports when the deadline ends it; nil
// means context.DeadlineExceeded.
func NewDeadline(parent context.Context, c Clock, deadline time.Time, cause error) *Deadline {
	if cause == nil {
		cause = context.DeadlineExceeded
	}
	return &Deadline{parent: parent, clk: c, deadline: deadline, cause: cause}
}

// Parent returns the context the Deadline was made from.
func (d *Deadline) Parent() context.Context { return d.parent }

// Deadline returns the earlier of the deadline and the parent's. The
// parent's deadline is on the real clock, so it is taken into account
// only when c is the real clock.
func (d *Deadline) Deadline() (time.Time, bool) {
	if _, real := d.clk.(realClock); real {
		if pd, ok := d.parent.Deadline(); ok && pd.Before(d.deadline) {
			return pd, true
		}
	}
	return d.deadline, true
}

// Done returns a channel closed when the context ends. The first call
// arms the timer and follows the parent.
func (d *Deadline) Done() <-chan struct{} {
	if ch, ok := d.done.Load().(chan struct{}); ok {
		return ch
	}
	d.settle()
	d.mu.Lock()
	if ch, ok := d.done.Load().(chan struct{}); ok {
		d.mu.Unlock()
		return ch
	}
	ch := make(chan struct{})
	if d.err == nil {
		d.err, d.own = d.check()
	}
	d.armed = new(armed)
	if d.err != nil {
		close(ch)
	} else {
		d.arm()
	}
	d.done.Store(ch)
	d.mu.Unlock()
	// Stop stores stopped and then looks for a channel; this stored the
	// channel and now looks at stopped: whichever came second ends it.
	if d.stopped.Load() {
		d.endBy(context.Canceled, false, true)
	}
	return ch
}

// settle ends a context that Stop ended before anyone had armed it: Stop
// then only marked it, to spare the call a lock.
func (d *Deadline) settle() {
	if d.stopped.Load() {
		d.endBy(context.Canceled, false, true)
	}
}

// arm starts the timer and follows the parent; d.mu is held.
func (d *Deadline) arm() {
	d.armed.timer = d.clk.AfterFunc(d.deadline.Sub(d.clk.Now()), func() {
		d.end(context.DeadlineExceeded, true)
	})
	if d.parent.Done() != nil {
		d.armed.stopParent = context.AfterFunc(d.parent, func() {
			d.end(d.parent.Err(), false)
		})
	}
}

// check reports whether the context has ended without being told: the
// parent's end first, then the deadline on the clock.
func (d *Deadline) check() (err error, own bool) {
	if err := d.parent.Err(); err != nil {
		return err, false
	}
	if !d.clk.Now().Before(d.deadline) {
		return context.DeadlineExceeded, true
	}
	return nil, false
}

// Err returns nil while the context lasts, then context.DeadlineExceeded
// if its deadline ended it, or the parent's error. It reads the clock
// when nothing has ended the context yet, and ends it (closing Done) if
// its time has come, so that Err and Done always agree.
func (d *Deadline) Err() error {
	d.settle()
	d.mu.Lock()
	err := d.err
	d.mu.Unlock()
	if err != nil {
		return err
	}
	if err, own := d.check(); err != nil {
		d.end(err, own)
		return d.Err()
	}
	return nil
}

// Expired reports whether the context's own deadline (not its parent)
// ended it; it reads the clock like Err.
func (d *Deadline) Expired() bool {
	if d.Err() == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.own
}

// end ends the context with err, unless it has ended already, and then
// closes Done, releases the timer and the parent's registration and runs
// the registered functions. It may be called more than once (the timer
// and Err may both see the deadline); only the first err counts.
func (d *Deadline) end(err error, own bool) {
	d.endBy(err, own, false)
}

// endBy is end, told whether Stop ends the context.
func (d *Deadline) endBy(err error, own, stop bool) {
	d.mu.Lock()
	if d.err != nil {
		// Ended already: its Done was closed (or made closed) and what
		// arming took was released then.
		d.mu.Unlock()
		return
	}
	d.err, d.own, d.stop = err, own, stop
	if ch, ok := d.done.Load().(chan struct{}); ok {
		close(ch)
	}
	funcs := d.release()
	d.mu.Unlock()
	// On the goroutine that ends the context, as a cancelCtx cancels its
	// children: when the fake clock's Advance passes the deadline, the
	// children are cancelled by the time it returns. The functions are
	// the context package's, which only cancel a child (context.AfterFunc
	// starts the user's function in a goroutine of its own).
	for f := range funcs {
		f.f()
	}
}

// release stops the timer and the parent's registration and hands back
// the functions to run; d.mu is held.
func (d *Deadline) release() map[*afterFunc]struct{} {
	a := d.armed
	if a == nil {
		return nil
	}
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	if a.stopParent != nil {
		a.stopParent()
		a.stopParent = nil
	}
	funcs := a.funcs
	a.funcs = nil
	return funcs
}

// Stop ends the context, as the cancel function of context.WithTimeout
// does, unless it has ended already: Err then returns context.Canceled,
// Done is closed, the timer and the parent's registration are released
// and the registered functions run. Call it when the work under the
// context is over: a goroutine the work left waiting on Done ends then,
// rather than never (the parent's end is no longer followed). It takes
// no allocation and arms nothing.
func (d *Deadline) Stop() {
	d.stopped.Store(true)
	if d.done.Load() == nil {
		// Never armed: nothing to release, and whoever asks later
		// (Done, Err, Value) settles the end then. See Done for the race
		// with a first Done.
		return
	}
	d.endBy(context.Canceled, false, true)
}

// Value returns the parent's value for key. When the context's own
// deadline ended it, context.Cause(d) reports the cause given to
// NewDeadline, and when Stop ended it, context.Canceled: the lookup
// context.Cause makes is answered for that.
func (d *Deadline) Value(key any) any {
	if key == cancelCtxKey {
		d.settle()
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.err != nil && (d.own || d.stop) {
			if d.armed == nil {
				d.armed = new(armed)
			}
			if d.armed.causeCtx == nil {
				cause := d.cause
				if d.stop {
					cause = context.Canceled // not the parent's: it may end later
				}
				ctx, cancel := context.WithCancelCause(context.Background())
				cancel(cause)
				d.armed.causeCtx = ctx
			}
			return d.armed.causeCtx.Value(key)
		}
	}
	return d.parent.Value(key)
}

// AfterFunc arranges for f to run once the context ends, on the goroutine
// that ends it (in a goroutine of its own if it has ended already), and
// returns a function that unregisters it, reporting whether it did so
// before f was started. f must not block: the context package's
// functions only cancel a child. context.WithCancel and context.AfterFunc
// use it, so children of a Deadline follow it without a goroutine of
// their own.
func (d *Deadline) AfterFunc(f func()) (stop func() bool) {
	d.Done() // arm
	a := &afterFunc{f: f}
	d.mu.Lock()
	if d.err != nil {
		d.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	if d.armed.funcs == nil {
		d.armed.funcs = make(map[*afterFunc]struct{})
	}
	d.armed.funcs[a] = struct{}{}
	d.mu.Unlock()
	return func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, ok := d.armed.funcs[a]; ok {
			delete(d.armed.funcs, a)
			return true
		}
		return false
	}
}

// String describes the context, as the context package's types do.
func (d *Deadline) String() string {
	return "redress.deadline(" + d.deadline.String() + ")"
}

// cancelCtxKey is the key under which the context package finds the
// nearest cancelable context, read by asking a probe for it: context.Cause
// looks it up with Value.
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

func (p *keyProbe) Err() error { return context.Canceled } // Cause asks Err first
