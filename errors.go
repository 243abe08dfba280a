package redress

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// StopReason says why a call stopped without success. The string values
// are shared with the Python library so that mixed fleets share
// dashboards.
type StopReason = retry.StopReason

// The stop reasons.
const (
	// StopMaxAttempts: the last allowed attempt failed.
	StopMaxAttempts = retry.StopMaxAttempts
	// StopMaxAttemptsForClass: failures of one class exceeded that class's
	// cap (retry.WithMaxAttemptsFor).
	StopMaxAttemptsForClass = retry.StopMaxAttemptsForClass
	// StopDeadline: the next delay would have ended at or after the
	// policy's deadline or after the caller's context deadline.
	StopDeadline = retry.StopDeadline
	// StopMaxUnknownAttempts: UNKNOWN failures exceeded their cap.
	StopMaxUnknownAttempts = retry.StopMaxUnknownAttempts
	// StopNonRetryable: the failure was PERMANENT, AUTH or PERMISSION.
	StopNonRetryable = retry.StopNonRetryable
	// StopNoStrategy: no backoff strategy was configured for the class.
	StopNoStrategy = retry.StopNoStrategy
	// StopBudgetExhausted: the retry budget denied the retry.
	StopBudgetExhausted StopReason = "BUDGET_EXHAUSTED"
	// StopScheduled: in defer mode, the retry was handed back to the
	// caller with the delay it should wait (StopError.NextDelay).
	StopScheduled StopReason = "SCHEDULED"
	// StopAborted: the caller's context was cancelled or hit its deadline.
	StopAborted StopReason = "ABORTED"
	// StopCircuitOpen: the circuit breaker rejected the call; the operation
	// was not called.
	StopCircuitOpen StopReason = "CIRCUIT_OPEN"
	// StopBulkheadFull: the bulkhead (WithBulkhead) had no slot for the
	// call or for its next attempt, within its maximum wait.
	StopBulkheadFull StopReason = "BULKHEAD_FULL"
	// StopThrottled: the client-side throttle (WithThrottle) rejected the
	// call or its next attempt before it was sent.
	StopThrottled StopReason = "THROTTLED"
)

// ErrInvalidConfig is wrapped by every error about invalid options, from
// New or from Execute. When Execute reports it, the operation was not
// called.
var ErrInvalidConfig = errors.New("redress: invalid configuration")

// ErrResultRejected is the failure recorded when a result classifier (see
// WithResultClassifier) says an operation's result is a failure. A
// StopError whose last failure was a rejected result wraps it.
var ErrResultRejected = errors.New("redress: result classified as a failure")

// StopError is the error of a call that stopped without success. It wraps
// the last operation error, so errors.Is and errors.As reach it, and, where
// the stop had a cause of its own, that too: budget.ErrExhausted for
// BUDGET_EXHAUSTED, the breaker's rejection for CIRCUIT_OPEN,
// ErrBulkheadFull for BULKHEAD_FULL, ErrThrottled for THROTTLED, and the
// caller's context error for ABORTED.
type StopError struct {
	// Reason says why the call stopped.
	Reason StopReason
	// Operation is the operation's name (WithOperation), if any.
	Operation string
	// Attempts is the number of attempts made.
	Attempts int
	// LastClass is the class of the last failure.
	LastClass classifier.Class
	// Elapsed is the time from the start of the call to the stop.
	Elapsed time.Duration
	// NextDelay is the delay the caller should wait before trying again,
	// for a SCHEDULED stop; 0 otherwise.
	NextDelay time.Duration
	// Err is the last operation error; nil if no attempt was made.
	Err error

	cause error // what stopped the call, beyond the reason; may be nil
}

// Error describes the stop and the last error.
func (e *StopError) Error() string {
	var b strings.Builder
	b.WriteString("redress: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s after %d attempt", e.Reason, e.Attempts)
	if e.Attempts != 1 {
		b.WriteByte('s')
	}
	if e.Reason == StopScheduled {
		fmt.Fprintf(&b, ", next in %v", e.NextDelay)
	}
	if e.cause != nil && e.cause != e.Err {
		b.WriteString(": ")
		b.WriteString(e.cause.Error())
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": last error (%s): %s", e.LastClass, e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the last operation error and the stop's own cause, where
// there is one.
func (e *StopError) Unwrap() []error {
	switch {
	case e.cause == nil:
		return []error{e.Err}
	case e.Err == nil:
		return []error{e.cause}
	}
	return []error{e.Err, e.cause}
}

// configError reports invalid options; it names the option in its message
// and matches ErrInvalidConfig.
type configError struct{ err error }

func (e *configError) Error() string        { return "redress: invalid configuration: " + e.err.Error() }
func (e *configError) Unwrap() error        { return e.err }
func (e *configError) Is(target error) bool { return target == ErrInvalidConfig }

func invalidf(option, format string, args ...any) error {
	return fmt.Errorf("%s: %s", option, fmt.Sprintf(format, args...))
}

// attemptTimeoutError is an operation error from an attempt that hit
// redress's own timeout. It unwraps to the operation's error and matches
// classifier.ErrAttemptTimeout, so classifiers see a TRANSIENT timeout.
type attemptTimeoutError struct{ err error }

func (e *attemptTimeoutError) Error() string {
	return classifier.ErrAttemptTimeout.Error() + ": " + e.err.Error()
}
func (e *attemptTimeoutError) Unwrap() error { return e.err }
func (e *attemptTimeoutError) Is(target error) bool {
	return target == classifier.ErrAttemptTimeout
}
