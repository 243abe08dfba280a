package classifier

import (
	"errors"
	"time"
)

// MarkedError is an error an operation has marked with a class. Default
// and Strict find it anywhere in an error's chain and trust it before any
// other rule. Unwrap returns the original error.
type MarkedError struct {
	Err            error
	Classification Classification
}

// Error returns the original error's message.
func (e *MarkedError) Error() string {
	if e.Err == nil {
		return e.Classification.Class.String()
	}
	return e.Err.Error()
}

// Unwrap returns the original error.
func (e *MarkedError) Unwrap() error { return e.Err }

// Mark returns err marked with class c. The result unwraps to err. Mark
// returns nil when err is nil, so it is safe on every return path.
func Mark(err error, c Class) error {
	if err == nil {
		return nil
	}
	return &MarkedError{Err: err, Classification: Classification{Class: c}}
}

// MarkPermanent marks err as PERMANENT: it is never retried.
func MarkPermanent(err error) error { return Mark(err, Permanent) }

// MarkTransient marks err as TRANSIENT.
func MarkTransient(err error) error { return Mark(err, Transient) }

// MarkRateLimited marks err as RATE_LIMIT with the server's Retry-After
// (0 when the server did not say).
func MarkRateLimited(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	if retryAfter < 0 {
		retryAfter = 0
	}
	return &MarkedError{Err: err, Classification: Classification{Class: RateLimit, RetryAfter: retryAfter}}
}

// marked returns the classification of the outermost marker in err's
// chain.
func marked(err error) (Classification, bool) {
	var m *MarkedError
	if errors.As(err, &m) {
		return m.Classification, true
	}
	return Classification{}, false
}
