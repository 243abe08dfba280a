package breaker

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// State is the state of a circuit breaker.
type State int32

// The states of a breaker. A breaker starts Closed.
const (
	// Closed lets every call through and counts failures.
	Closed State = iota
	// HalfOpen lets a limited number of probe calls through at once to
	// find out whether the dependency has recovered, and rejects the
	// rest.
	HalfOpen
	// Open rejects every call until the recovery timeout has passed.
	Open
)

// String returns "closed", "half_open" or "open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half_open"
	case Open:
		return "open"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Transition is a change of state. Its zero value, Closed to Closed, is no
// change.
type Transition struct {
	From, To State
}

// Changed reports whether t is a change of state, false for the zero
// Transition.
func (t Transition) Changed() bool { return t.From != t.To }

// String returns the transition as "from->to", such as "closed->open".
func (t Transition) String() string { return t.From.String() + "->" + t.To.String() }

// Outcome is what happened to a call that a breaker let through, as told
// to Breaker.Record.
type Outcome uint8

// The outcomes of a call.
const (
	// Success means the dependency answered.
	Success Outcome = iota
	// Failure means the call failed with a class. It counts as a failure
	// only if the class is one of WithTripOn or has a WithClassThreshold;
	// otherwise the dependency answered, and it counts as a success.
	Failure
	// Panicked means the guarded code panicked. It always counts as a
	// failure.
	Panicked
	// Cancelled means the caller gave up (ABORTED). It counts as neither a
	// success nor a failure, and frees the half-open probe slot the ticket
	// held, if any.
	Cancelled
)

// String returns "success", "failure", "panicked" or "cancelled".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Panicked:
		return "panicked"
	case Cancelled:
		return "cancelled"
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Ticket is the permission to make one call, returned by Breaker.Allow and
// handed back to Breaker.Record with the call's outcome. It is a small
// value; making one does not allocate.
type Ticket struct {
	// Generation is the breaker's generation when the call was allowed.
	// The generation changes on every change of state, and Record ignores
	// tickets of an older generation: an outcome that arrives after the
	// state it was allowed in has ended is stale.
	Generation uint64
	// Probe reports whether the call holds one of the half-open probe
	// slots.
	Probe bool
	// Transition is the change of state that Allow itself caused (open to
	// half-open, on the first call after the recovery timeout), or the zero
	// Transition when it caused none.
	Transition Transition
}

// ErrOpen is the error of every call a breaker rejects, whether it is open
// or half-open with every probe slot taken. Allow returns it as an
// *OpenError, for which errors.Is(err, ErrOpen) holds.
var ErrOpen = errors.New("breaker: circuit open")

// ErrInvalidConfig is wrapped by the error of a breaker made with an
// invalid option. See New.
var ErrInvalidConfig = errors.New("breaker: invalid configuration")

// OpenError is the error of a rejected call. It says in which state the
// breaker rejected the call and how long until it lets a probe through.
// errors.Is(err, ErrOpen) holds for every *OpenError.
type OpenError struct {
	// State is Open, or HalfOpen when every probe slot was taken.
	State State
	// RetryIn is how long until the breaker's open time ends (its
	// recovery timeout, or the time given to OpenFor) and it lets a probe
	// through: the hint a server sends as a Retry-After or a gRPC
	// pushback (Breaker.OpenUntil gives the same instant as a time). It is
	// 0 when no such time is known: when the breaker is half-open with
	// every probe slot taken (the probes decide) or forced open (an
	// operator decides).
	RetryIn time.Duration
	// Forced reports whether the breaker was forced open with ForceOpen.
	Forced bool
}

// Error describes the rejection, such as
// "breaker: circuit open, retry in 12.5s".
func (e *OpenError) Error() string {
	switch {
	case e.Forced:
		return "breaker: circuit forced open"
	case e.State == HalfOpen:
		return "breaker: circuit half-open, all probe slots taken"
	}
	return fmt.Sprintf("breaker: circuit open, retry in %v", e.RetryIn)
}

// Is reports whether target is ErrOpen, so that errors.Is(err, ErrOpen)
// holds for every rejection.
func (e *OpenError) Is(target error) bool { return target == ErrOpen }
