package redressgrpc

import (
	"errors"
	"math"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// PushbackKey is the trailer in which a server tells a client when to
// retry: a decimal count of milliseconds, or a negative (or unreadable)
// value for "do not retry" (gRFC A6, "Pushback").
const PushbackKey = "grpc-retry-pushback-ms"

// PreviousAttemptsKey is the request header that tells a server how many
// attempts of the same call went before this one (gRFC A6).
const PreviousAttemptsKey = "grpc-previous-rpc-attempts"

// The Details keys Classifier sets.
const (
	// DetailCode holds the status code's name, such as "Unavailable".
	DetailCode = "grpc.code"
	// DetailPushback holds the grpc-retry-pushback-ms trailer as the
	// server sent it, when it sent one.
	DetailPushback = "grpc.retry_pushback_ms"
)

// retryInfoURL is the type URL of google.rpc.RetryInfo in a status's
// details.
const retryInfoURL = "type.googleapis.com/google.rpc.RetryInfo"

// Classifier classifies gRPC failures by their status code, as CodeClass
// says, and reads when the server asked to be called again:
//
//   - the grpc-retry-pushback-ms trailer (PushbackKey), from an error in
//     the chain that has a method Trailer() metadata.MD, as the errors the
//     client interceptors return do;
//   - a google.rpc.RetryInfo in the status's details.
//
// Either becomes the classification's RetryAfter (the longer of the two
// when both are given), capped at retry.DefaultMaxRetryAfter; a policy
// caps it again at its own retry.WithMaxRetryAfter. A negative or
// unreadable pushback means "do not retry" in gRFC A6: such a failure is
// PERMANENT, so the call stops.
//
// The status is the first one errors.As finds on an
// interface{ GRPCStatus() *status.Status }. A classifier.MarkedError found
// first in the chain wins, as it does with classifier.Default; an error
// with no status at all is classified by classifier.Default. Details
// holds the code's name under DetailCode and the pushback under
// DetailPushback, when the server sent one.
var Classifier classifier.Classifier = classifier.Func(classify)

// codeClasses is CodeClass's table. The rows down to codes.Unknown are the
// Python library's gRPC table (redress.extras.grpc), so that mixed fleets
// agree on every code both classify; the rows after it are codes that
// table leaves UNKNOWN. docs/grpc.md gives the reasons.
var codeClasses = [...]classifier.Class{
	codes.Unavailable:        classifier.Transient,
	codes.DeadlineExceeded:   classifier.Transient,
	codes.ResourceExhausted:  classifier.RateLimit,
	codes.Unauthenticated:    classifier.Auth,
	codes.PermissionDenied:   classifier.Permission,
	codes.InvalidArgument:    classifier.Permanent,
	codes.FailedPrecondition: classifier.Permanent,
	codes.OutOfRange:         classifier.Permanent,
	codes.NotFound:           classifier.Permanent,
	codes.Internal:           classifier.ServerError,
	codes.DataLoss:           classifier.ServerError,
	codes.Canceled:           classifier.Permanent,
	codes.Unknown:            classifier.Unknown,
	codes.Aborted:            classifier.Concurrency,
	codes.AlreadyExists:      classifier.Permanent,
	codes.Unimplemented:      classifier.Permanent,
	codes.OK:                 classifier.Unknown,
}

// CodeClass returns the class of a failure with status code c:
//
//	Unavailable, DeadlineExceeded                      TRANSIENT
//	ResourceExhausted                                  RATE_LIMIT
//	Aborted                                            CONCURRENCY
//	Internal, DataLoss                                 SERVER_ERROR
//	Unauthenticated                                    AUTH
//	PermissionDenied                                   PERMISSION
//	InvalidArgument, NotFound, AlreadyExists,
//	FailedPrecondition, OutOfRange, Unimplemented,
//	Canceled                                           PERMANENT
//	Unknown, OK, and codes outside the 17 of gRPC      UNKNOWN
//
// A Canceled the caller caused never reaches a classifier: redress stops
// such a call as ABORTED first.
func CodeClass(c codes.Code) classifier.Class {
	if int(c) < len(codeClasses) {
		return codeClasses[c]
	}
	return classifier.Unknown
}

// grpcStatuser is the interface grpc-go's status package finds a status
// through.
type grpcStatuser interface{ GRPCStatus() *status.Status }

// trailerer is an error that carries the trailers of the response it came
// with.
type trailerer interface{ Trailer() metadata.MD }

func classify(err error) classifier.Classification {
	if err == nil {
		return classifier.Classification{}
	}
	var marked *classifier.MarkedError
	if errors.As(err, &marked) && marked != nil {
		return marked.Classification
	}
	var gs grpcStatuser
	if !errors.As(err, &gs) {
		return classifier.Default.Classify(err)
	}
	st := gs.GRPCStatus()
	if st == nil {
		// grpc-go reads a nil status as an unknown error.
		return classifier.Classification{Class: classifier.Unknown, Details: map[string]string{DetailCode: codes.Unknown.String()}}
	}
	code := st.Code()
	c := classifier.Classification{
		Class:   CodeClass(code),
		Details: map[string]string{DetailCode: code.String()},
	}
	if errors.Is(err, classifier.ErrAttemptTimeout) {
		// redress's own attempt timeout: whatever grpc-go made of it,
		// the attempt was too slow, which is worth another try.
		c.Class = classifier.Transient
	}
	c.RetryAfter = retryInfo(st)
	var tr trailerer
	if errors.As(err, &tr) {
		if vals := tr.Trailer().Get(PushbackKey); len(vals) > 0 {
			c.Details[DetailPushback] = vals[0]
			d, ok := parsePushback(vals)
			if !ok {
				c.Class, c.RetryAfter = classifier.Permanent, 0
				return c
			}
			c.RetryAfter = max(c.RetryAfter, d)
		}
	}
	c.RetryAfter = min(c.RetryAfter, retry.DefaultMaxRetryAfter)
	return c
}

// parsePushback reads a grpc-retry-pushback-ms trailer. ok is false when
// the server said not to retry: a negative value, a value that is not a
// decimal integer, or more than one value, as grpc-go reads them.
func parsePushback(vals []string) (d time.Duration, ok bool) {
	if len(vals) != 1 {
		return 0, false
	}
	ms, err := strconv.ParseInt(vals[0], 10, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange) && len(vals[0]) > 0 && vals[0][0] != '-':
		return retry.DefaultMaxRetryAfter, true // too large to count: capped anyway
	case err != nil, ms < 0:
		return 0, false
	case ms > int64(math.MaxInt64/time.Millisecond):
		return retry.DefaultMaxRetryAfter, true
	}
	return time.Duration(ms) * time.Millisecond, true
}

// retryInfo returns the retry delay of a google.rpc.RetryInfo in st's
// details, or 0. Only that detail is decoded.
func retryInfo(st *status.Status) time.Duration {
	for _, a := range st.Proto().GetDetails() {
		if a.GetTypeUrl() != retryInfoURL {
			continue
		}
		var ri errdetails.RetryInfo
		if a.UnmarshalTo(&ri) != nil {
			continue
		}
		d := ri.GetRetryDelay()
		if d == nil || d.CheckValid() != nil {
			continue
		}
		return max(d.AsDuration(), 0)
	}
	return 0
}
