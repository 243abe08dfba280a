package breaker

import (
	"context"
	"errors"
	"time"

	"github.com/redress-go/redress/classifier"
)

// State returns the breaker's state. An open breaker whose recovery
// timeout has passed reports HalfOpen at once, without waiting for a call;
// the change itself (a new generation, the listeners) happens on the next
// Allow. A breaker with an invalid configuration reports Closed.
func (b *Breaker) State() State {
	w := b.word.Load()
	s := stateOf(w)
	if s == Open && !forcedOf(w) && b.err == nil && b.now() >= b.openUntil.Load() {
		return HalfOpen
	}
	return s
}

// IsOpen reports whether the breaker's State is Open, so that it rejects
// every call.
func (b *Breaker) IsOpen() bool { return b.State() == Open }

// FailureCount returns the number of failures counted in the current
// window: failures of the classes in WithTripOn, of classes with a
// threshold of their own, and panics, each counted once. The window is
// emptied when the breaker closes (after its probes succeed, or on Reset);
// while it is open, its failures keep counting until they leave the
// window.
func (b *Breaker) FailureCount() int {
	if b.err != nil {
		return 0
	}
	return int(b.win.sum(b.now(), classifier.Unknown).counted)
}

// LastFailure returns the time, on the breaker's clock, of the last failure
// it counted, or the zero Time if it has counted none. Unlike
// FailureCount, it is not forgotten when the breaker closes.
func (b *Breaker) LastFailure() time.Time {
	last := b.lastFailure.Load()
	if last == noFailure {
		return time.Time{}
	}
	return b.origin.Add(time.Duration(last))
}

// ForceOpen opens the breaker and keeps it open, rejecting every call with
// an *OpenError whose Forced is true, until Reset. It returns the change
// it made, the zero Transition if the breaker was open already; listeners
// are told of the change before it returns. Outcomes of calls allowed
// before are ignored.
func (b *Breaker) ForceOpen() Transition {
	if b.err != nil {
		return Transition{}
	}
	now := b.now()
	b.mu.Lock()
	tr := b.openLocked(b.word.Load(), now, forever, true)
	b.mu.Unlock()
	b.notify(tr)
	return tr
}

// Reset closes the breaker, whatever its state, and empties its window
// and its run of consecutive failures, ending a ForceOpen. It returns the change it made, the zero Transition
// if the breaker was closed already; listeners are told of the change
// before it returns. Outcomes of calls allowed before are ignored, unless
// the breaker was closed already.
func (b *Breaker) Reset() Transition {
	if b.err != nil {
		return Transition{}
	}
	now := b.now()
	b.mu.Lock()
	tr := b.closeLocked(b.word.Load(), now)
	b.mu.Unlock()
	b.notify(tr)
	return tr
}

// Do calls fn if the breaker allows it, and records its outcome. It
// returns fn's error unchanged, or, without calling fn, the error of Allow.
//
// classify gives the class of fn's error; if it is nil, every error is
// taken as TRANSIENT. An error that is context.Canceled (the caller gave
// up) is recorded as Cancelled, without asking classify. If fn panics, or
// ends its goroutine with runtime.Goexit, Do records Panicked and lets the
// panic go on unchanged; if classify panics, Do records Cancelled.
func (b *Breaker) Do(fn func() error, classify func(error) classifier.Class) error {
	t, err := b.Allow()
	if err != nil {
		return err
	}
	// stage tells the deferred call how far Do got: a panic in fn is the
	// dependency's failure, a panic in classify is not, and only frees
	// what the ticket holds.
	const (
		inFn = iota
		inClassify
		recorded
	)
	stage := inFn
	defer func() {
		switch stage {
		case inFn:
			b.Record(t, Panicked, classifier.Unknown)
		case inClassify:
			b.Record(t, Cancelled, classifier.Unknown)
		}
	}()
	err = fn()
	stage = inClassify

	o, cl := Success, classifier.Unknown
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled):
		o = Cancelled
	case classify == nil:
		o, cl = Failure, classifier.Transient
	default:
		o, cl = Failure, classify(err)
	}
	stage = recorded
	b.Record(t, o, cl)
	return err
}
