package redress

import (
	"context"
	"time"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
)

// EventName names an event. The string values are shared with the Python
// library so that mixed fleets share dashboards.
type EventName string

// The events a call can emit. A call emits a retry event before each
// sleep, a hedge event for each hedge, and exactly one terminal event:
// success, or the one that matches its stop reason; a call with a
// fallback (WithFallback) then emits the fallback event.
const (
	EventSuccess                    EventName = "success"
	EventRetry                      EventName = "retry"
	EventPermanentFail              EventName = "permanent_fail"
	EventDeadlineExceeded           EventName = "deadline_exceeded"
	EventMaxAttemptsExceeded        EventName = "max_attempts_exceeded" // also for the per-class cap
	EventMaxUnknownAttemptsExceeded EventName = "max_unknown_attempts_exceeded"
	EventNoStrategy                 EventName = "no_strategy_configured"
	EventBudgetExhausted            EventName = "budget_exhausted"
	EventScheduled                  EventName = "scheduled"
	EventAborted                    EventName = "aborted"
	EventCircuitOpened              EventName = "circuit_opened"
	EventCircuitHalfOpen            EventName = "circuit_half_open"
	EventCircuitClosed              EventName = "circuit_closed"
	EventCircuitRejected            EventName = "circuit_rejected"
	EventFallback                   EventName = "fallback"          // the fallback ran; Cause is its error
	EventHedge                      EventName = "hedge"             // a hedge started (WithHedging)
	EventBulkheadRejected           EventName = "bulkhead_rejected" // terminal, for StopBulkheadFull
	EventThrottled                  EventName = "throttled"         // terminal, for StopThrottled
)

// stopEvents maps a stop reason to its terminal event.
var stopEvents = map[StopReason]EventName{
	StopMaxAttempts:         EventMaxAttemptsExceeded,
	StopMaxAttemptsForClass: EventMaxAttemptsExceeded,
	StopDeadline:            EventDeadlineExceeded,
	StopMaxUnknownAttempts:  EventMaxUnknownAttemptsExceeded,
	StopNonRetryable:        EventPermanentFail,
	StopNoStrategy:          EventNoStrategy,
	StopBudgetExhausted:     EventBudgetExhausted,
	StopScheduled:           EventScheduled,
	StopAborted:             EventAborted,
	StopCircuitOpen:         EventCircuitRejected,
	StopBulkheadFull:        EventBulkheadRejected,
	StopThrottled:           EventThrottled,
}

// Terminal reports whether n ends a call: success, or the event of one of
// the stop reasons. Every call emits exactly one terminal event, after any
// retry and hedge events and before the fallback's.
func (n EventName) Terminal() bool {
	switch n {
	case EventSuccess, EventPermanentFail, EventDeadlineExceeded, EventMaxAttemptsExceeded,
		EventMaxUnknownAttemptsExceeded, EventNoStrategy, EventBudgetExhausted, EventScheduled,
		EventAborted, EventCircuitRejected, EventBulkheadRejected, EventThrottled:
		return true
	}
	return false
}

// Circuit reports whether n is one of the circuit breaker's events, whose
// Event.State says the breaker's state.
func (n EventName) Circuit() bool {
	switch n {
	case EventCircuitOpened, EventCircuitHalfOpen, EventCircuitClosed, EventCircuitRejected:
		return true
	}
	return false
}

// Event is what an Observer is told. Fields that do not apply to an event
// are zero.
type Event struct {
	// Name says what happened.
	Name EventName
	// Operation is the name given with WithOperation, or "".
	Operation string
	// Attempt is the 1-based number of the attempt the event is about:
	// the one that succeeded, that failed before a retry, or the last.
	Attempt int
	// Sleep is the delay before the next attempt (retry, scheduled).
	Sleep time.Duration
	// Class is the class of the failure (retry and terminal failures).
	Class classifier.Class
	// RetryAfter is the part of the server's Retry-After that the policy
	// honours: the classified value, capped by retry.WithMaxRetryAfter
	// (5 minutes by default), or 0. A hostile or broken server's value
	// never reaches dashboards as it came; the classification's Details
	// may keep the raw header.
	RetryAfter time.Duration
	// Err is the failure's error: the operation's error for retries and
	// terminal failures, the *StopError for a call that stopped.
	Err error
	// Reason is the stop reason on terminal failure events.
	Reason StopReason
	// Elapsed is the time since the call started.
	Elapsed time.Duration
	// State is the breaker's state after a circuit event: the state it
	// changed to, or the state in which it rejected the call.
	State breaker.State
	// Cause is what stopped the call, beyond its reason, or nil: for a
	// budget that could not decide, the budget's own error; for a breaker,
	// bulkhead or throttle that refused the call, its error. For a
	// fallback event, the fallback's error, nil if it saved the call.
	Cause error
	// Hedge is the 1-based number of the hedge, within its attempt, of a
	// hedge event.
	Hedge int
}

// Observer is told about a call's events. Observe is called synchronously
// on the call's goroutine, so it should be quick and must not block on I/O
// it does not need (hand the event to an SDK that exports in the
// background). The ctx is the caller's and is passed only for its values
// (a trace span, a logger); it may already be cancelled. A panic in
// Observe is recovered and dropped: an observer never changes a call's
// result. Implementations must be safe for concurrent use.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// ObserverFunc adapts a plain function to the Observer interface.
type ObserverFunc func(ctx context.Context, e Event)

// Observe calls f(ctx, e).
func (f ObserverFunc) Observe(ctx context.Context, e Event) { f(ctx, e) }

// safeObserver tells one observer, dropping any panic: see Observer.
type safeObserver struct{ o Observer }

func (s safeObserver) Observe(ctx context.Context, e Event) { observeSafely(s.o, ctx, e) }

// multiObserver tells each observer in turn; a panic in one does not keep
// the others from being told.
type multiObserver []Observer

func (m multiObserver) Observe(ctx context.Context, e Event) {
	for _, o := range m {
		observeSafely(o, ctx, e)
	}
}

// observeSafely calls o, dropping any panic: see Observer.
func observeSafely(o Observer, ctx context.Context, e Event) {
	defer func() { _ = recover() }()
	o.Observe(ctx, e)
}

// Classified reports whether e's Class is the class of a failure: a retry,
// the failure that opened a breaker, or a terminal failure (or the
// fallback that followed it) after at least one attempt. A call that a breaker, bulkhead or throttle refused before
// any attempt has no class, nor has a success. Observers use it to decide
// whether Class is worth a label.
func (e Event) Classified() bool {
	switch e.Name {
	case EventRetry, EventCircuitOpened:
		return true
	case EventSuccess:
		return false
	case EventFallback:
		return e.Attempt > 0
	}
	return e.Name.Terminal() && e.Attempt > 0
}
