package classifier

import "time"

// MarkedError is an error an operation has marked with a class, usually
// made by Mark, MarkPermanent, MarkTransient or MarkRateLimited. Default
// and Strict find it anywhere in an error's chain and trust its
// Classification before any other rule; when a chain holds several, the
// first in the order errors.As visits them wins. Unwrap returns the
// original error, so errors.Is and errors.As still reach it.
type MarkedError struct {
	// Err is the original error.
	Err error
	// Classification is what the marker says about Err.
	Classification Classification
}

// Error returns the original error's message, or the class's name when
// there is no original error.
func (e *MarkedError) Error() string {
	switch {
	case e == nil:
		return "<nil>"
	case e.Err == nil:
		return e.Classification.Class.String()
	}
	return e.Err.Error()
}

// Unwrap returns the original error. It returns nil on a nil
// *MarkedError, so that a chain holding one can still be walked.
func (e *MarkedError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

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
