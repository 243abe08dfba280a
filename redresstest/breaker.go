package redresstest

import (
	"sync"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
)

// Breaker is a fake circuit breaker for redress.WithBreaker. It keeps no
// counts and trips on nothing by itself: it answers as its state and its
// script say, and records every Allow and Record, so a test can put the
// code under test in front of an open circuit, or check the one outcome a
// call reported.
//
// Allow lets a call through in the Closed and HalfOpen states (a HalfOpen
// ticket is a probe) and rejects it in Open with a *breaker.OpenError,
// unless ScriptAllow has decided the answer. Record changes the state only
// as ScriptStates says, and reports that change, so the observer of the
// call sees the circuit event.
//
// A Breaker is safe for concurrent use. Make a new one per test: a breaker
// shared between tests carries the state one test left to the next.
type Breaker struct {
	mu         sync.Mutex
	state      breaker.State
	generation uint64
	allows     []bool
	states     []breaker.State
	allowed    int
	rejected   int
	records    []BreakerRecord
}

var _ redress.CircuitBreaker = (*Breaker)(nil)

// BreakerRecord is one outcome reported to a Breaker, with the ticket it
// came with.
type BreakerRecord struct {
	// Ticket is the ticket handed back with the outcome.
	Ticket breaker.Ticket
	// Outcome is what happened to the call.
	Outcome breaker.Outcome
	// Class is the class of the call's last failure.
	Class classifier.Class
}

// NewBreaker returns a fake breaker in the state initial.
func NewBreaker(initial breaker.State) *Breaker {
	return &Breaker{state: initial}
}

// Allow lets a call through, or rejects it with a *breaker.OpenError that
// matches breaker.ErrOpen: it takes the next scripted answer if there is
// one, and otherwise allows unless the state is Open.
func (b *Breaker) Allow() (breaker.Ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	allow := b.state != breaker.Open
	if len(b.allows) > 0 {
		allow = b.allows[0]
		b.allows = b.allows[1:]
	}
	if !allow {
		b.rejected++
		state := breaker.Open
		if b.state == breaker.HalfOpen {
			state = breaker.HalfOpen
		}
		return breaker.Ticket{}, &breaker.OpenError{State: state}
	}
	b.allowed++
	return breaker.Ticket{Generation: b.generation, Probe: b.state == breaker.HalfOpen}, nil
}

// Record records the outcome and returns the change of state it caused:
// a move to the next state of ScriptStates, if one is left, and otherwise
// the zero Transition, which is no change.
func (b *Breaker) Record(t breaker.Ticket, o breaker.Outcome, c classifier.Class) breaker.Transition {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.records = append(b.records, BreakerRecord{Ticket: t, Outcome: o, Class: c})
	if len(b.states) == 0 {
		return breaker.Transition{}
	}
	tr := breaker.Transition{From: b.state, To: b.states[0]}
	b.states = b.states[1:]
	b.setLocked(tr.To)
	return tr
}

// State returns the breaker's state.
func (b *Breaker) State() breaker.State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

// SetState puts the breaker in state s, as an operator's switch would; no
// call is told of the change.
func (b *Breaker) SetState(s breaker.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setLocked(s)
}

func (b *Breaker) setLocked(s breaker.State) {
	if s != b.state {
		b.generation++
		b.state = s
	}
}

// ScriptAllow decides the answers of the next calls to Allow, one per
// call and in order: true lets the call through, false rejects it,
// whatever the state. Once the script is used up the state decides again.
// Repeating appends to the script.
func (b *Breaker) ScriptAllow(allow ...bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.allows = append(b.allows, allow...)
}

// ScriptStates makes the next calls to Record move the breaker to these
// states, one per call and in order, and report each move as a
// transition. Once the script is used up Record changes nothing.
// Repeating appends to the script.
func (b *Breaker) ScriptStates(states ...breaker.State) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.states = append(b.states, states...)
}

// Allowed returns how many calls Allow let through.
func (b *Breaker) Allowed() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.allowed
}

// Rejected returns how many calls Allow rejected.
func (b *Breaker) Rejected() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rejected
}

// Records returns every outcome reported with Record, in order.
func (b *Breaker) Records() []BreakerRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]BreakerRecord(nil), b.records...)
}

// Outcomes returns the outcome of every Record, in order.
func (b *Breaker) Outcomes() []breaker.Outcome {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []breaker.Outcome
	for _, r := range b.records {
		out = append(out, r.Outcome)
	}
	return out
}
