// Package classifier sorts failures into a small set of semantic classes.
//
// A Class says what kind of failure happened in terms a retry policy can
// act on: a TRANSIENT failure is worth retrying soon, a RATE_LIMIT failure
// is worth retrying after the server's Retry-After, a PERMANENT one is not
// worth retrying at all. A Classifier maps an error to a Classification;
// Default is the classifier redress uses unless told otherwise, and Strict
// is Default without its network heuristics. Chain puts classifiers of
// your own in front of them.
//
// Operations can state the class of their own errors with the marker
// constructors (MarkPermanent, MarkTransient, MarkRateLimited and Mark);
// marked errors still unwrap to the original error.
//
// HTTPStatus, SQLState and ParseRetryAfter are the building blocks of
// Default, usable on their own. For HTTP responses, HTTPResponse
// classifies one, RetryAfterHeader reads its Retry-After-Ms and
// Retry-After, and ParseRateLimitReset reads the rate-limit reset headers
// of the OpenAI and Anthropic APIs. The package depends on the standard
// library only, and not on net/http: header parameters are
// map[string][]string, which an http.Header is.
package classifier

import (
	"fmt"
	"time"
)

// Class is the semantic class of a failure. The zero value is Unknown, so a
// class that was never set is treated with the caution of UNKNOWN (retried
// a few times), never as "do not retry".
type Class uint8

// The classes, in no particular order of severity.
const (
	// Unknown is a failure nothing recognised. It is retried, but only a
	// few times (see retry.WithMaxUnknownAttempts).
	Unknown Class = iota
	// Auth is an authentication failure (HTTP 401). Not retried.
	Auth
	// Permission is an authorisation failure (HTTP 403). Not retried.
	Permission
	// Permanent is a failure that will recur on every attempt: bad input,
	// not found, a constraint violation. Not retried.
	Permanent
	// Concurrency is a conflict with a concurrent writer (HTTP 409, a
	// serialisation failure or deadlock in a database). Retrying may help.
	Concurrency
	// RateLimit means the server asked us to slow down (HTTP 429).
	// Retried after the server's Retry-After when it gives one.
	RateLimit
	// ServerError is a failure of the server (HTTP 5xx). Retried.
	ServerError
	// Transient is a passing failure: a timeout, a reset connection.
	// Retried.
	Transient
)

// NumClasses is the number of classes. Class values are in [0, NumClasses),
// so a [NumClasses]T array indexed by Class holds one T per class.
const NumClasses = 8

var classNames = [NumClasses]string{
	Unknown:     "UNKNOWN",
	Auth:        "AUTH",
	Permission:  "PERMISSION",
	Permanent:   "PERMANENT",
	Concurrency: "CONCURRENCY",
	RateLimit:   "RATE_LIMIT",
	ServerError: "SERVER_ERROR",
	Transient:   "TRANSIENT",
}

// String returns the class's name as the Python library and dashboards spell
// it, such as "RATE_LIMIT".
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// Valid reports whether c is one of the eight classes.
func (c Class) Valid() bool { return c < NumClasses }

// Retryable reports whether failures of class c may be retried at all.
// PERMANENT, AUTH and PERMISSION may not; every other class may.
func (c Class) Retryable() bool {
	switch c {
	case Permanent, Auth, Permission:
		return false
	}
	return c.Valid()
}

// ParseClass returns the class whose String is s.
func ParseClass(s string) (Class, bool) {
	for i, name := range classNames {
		if name == s {
			return Class(i), true
		}
	}
	return Unknown, false
}

// Classes returns every class, Unknown first.
func Classes() []Class {
	cs := make([]Class, NumClasses)
	for i := range cs {
		cs[i] = Class(i)
	}
	return cs
}

// Classification is what a Classifier says about one failure.
type Classification struct {
	// Class is the failure's class.
	Class Class
	// RetryAfter is how long the server asked us to wait before trying
	// again, or 0 when it did not say.
	RetryAfter time.Duration
	// Details holds optional context for logs and events, such as the
	// HTTP status or SQLSTATE that decided the class, under the Detail…
	// keys of this package. It may be nil. It must never hold a
	// credential: no URL query, header or body.
	Details map[string]string
}

// Classifier classifies a failure. Implementations must be safe for
// concurrent use and must not retain err.
type Classifier interface {
	// Classify returns the classification of err, which is never nil.
	Classify(err error) Classification
}

// Func adapts a plain function to the Classifier interface.
type Func func(err error) Classification

// Classify calls f(err).
func (f Func) Classify(err error) Classification { return f(err) }

// Chain returns a classifier that asks each of cs in turn and returns the
// first classification whose class is not Unknown. When all say Unknown it
// returns the last one's answer, or an Unknown classification if cs is
// empty.
func Chain(cs ...Classifier) Classifier {
	cs = append([]Classifier(nil), cs...)
	return Func(func(err error) Classification {
		var last Classification
		for _, c := range cs {
			last = c.Classify(err)
			if last.Class != Unknown {
				return last
			}
		}
		return last
	})
}
