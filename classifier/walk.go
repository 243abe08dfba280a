package classifier

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"reflect"
	"time"
)

// evidence is what one walk over an error's chain found. For each signal
// it keeps the first error that gave it, in the order errors.As visits the
// chain; decide then weighs the signals in the order of Default's rules,
// so the rules, not the depth in the chain, settle conflicts.
type evidence struct {
	// heuristics says whether to look for rule 3's heuristic signals
	// (Default) or only the explicit ones (Strict).
	heuristics bool

	marker *MarkedError

	status        int
	hasStatus     bool
	retryAfter    time.Duration
	hasRetryAfter bool
	sqlState      string
	hasSQLState   bool
	request       *url.Error // the first *url.Error: the HTTP request that failed

	attemptTimeout bool
	certificate    bool // a TLS certificate verification failure
	refused        bool // net/http refused to send a malformed request
	tlsRejected    bool // the peer refused our TLS with an alert
	sawDNS         bool // the first *net.DNSError has been seen
	dnsTransient   bool
	dnsNotFound    bool
	netTimeout     bool
	connection     bool // a reset, refused or cut connection
	sawURLError    bool // a *url.Error: an HTTP client's request failed
	sawEOF         bool // io.EOF itself
}

// cutBeforeAnswer reports whether an HTTP client's request failed with a
// bare io.EOF: the server closed the connection without answering, as a
// server closing an idle keep-alive connection does. Outside an HTTP
// request, io.EOF is the normal end of a stream, not a failure to retry.
func (ev *evidence) cutBeforeAnswer() bool { return ev.sawURLError && ev.sawEOF }

// The optional methods that explicit signals come through.
type (
	statusCoder     interface{ StatusCode() int }
	httpStatusCoder interface{ HTTPStatusCode() int }
	retryAfterer    interface{ RetryAfter() time.Duration }
	sqlStater       interface{ SQLState() string }
)

// collect walks err's chain depth first, as errors.As does, and records
// what it finds in ev. It stops at, and reports, the first marker.
func (ev *evidence) collect(err error) (marked bool) {
	for err != nil && !isNil(err) {
		if ev.visit(err) {
			return true
		}
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				if ev.collect(e) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}

// visit records what the single error err says, and reports whether it
// is a marker. err is not nil and not a nil pointer.
func (ev *evidence) visit(err error) (marked bool) {
	if m, ok := err.(*MarkedError); ok {
		ev.marker = m
		return true
	}
	if x, ok := err.(interface{ As(any) bool }); ok {
		// An error may present itself as a marker, as errors.As allows.
		var m *MarkedError
		if x.As(&m) && m != nil {
			ev.marker = m
			return true
		}
	}
	if !ev.hasStatus {
		switch x := err.(type) {
		case statusCoder:
			ev.status, ev.hasStatus = x.StatusCode(), true
		case httpStatusCoder:
			ev.status, ev.hasStatus = x.HTTPStatusCode(), true
		}
	}
	if x, ok := err.(retryAfterer); ok && !ev.hasRetryAfter {
		ev.retryAfter, ev.hasRetryAfter = x.RetryAfter(), true
	}
	if x, ok := err.(sqlStater); ok && !ev.hasSQLState {
		ev.sqlState, ev.hasSQLState = x.SQLState(), true
	}
	if x, ok := err.(*url.Error); ok && ev.request == nil {
		ev.request = x
	}
	if !ev.attemptTimeout && is(err, ErrAttemptTimeout) {
		ev.attemptTimeout = true
	}
	if ev.heuristics {
		ev.visitHeuristics(err)
	}
	return false
}

// visitHeuristics records the signals of rule 3 that err gives.
func (ev *evidence) visitHeuristics(err error) {
	switch x := err.(type) {
	case *net.DNSError:
		if !ev.sawDNS {
			ev.sawDNS = true
			ev.dnsTransient = x.IsTimeout || x.IsTemporary
			ev.dnsNotFound = x.IsNotFound
		}
	case x509.UnknownAuthorityError, *x509.UnknownAuthorityError,
		x509.CertificateInvalidError, *x509.CertificateInvalidError,
		x509.HostnameError, *x509.HostnameError,
		*tls.CertificateVerificationError:
		ev.certificate = true
	}
	switch err.(type) {
	case *url.Error:
		ev.sawURLError = true
	}
	if !ev.refused && refusedRequest(err) {
		ev.refused = true
	}
	if !ev.tlsRejected && rejectedTLS(err) {
		ev.tlsRejected = true
	}
	if err == io.EOF {
		ev.sawEOF = true
	}
	if !ev.netTimeout && timedOut(err) {
		ev.netTimeout = true
	}
	if !ev.connection {
		for _, target := range connectionErrors {
			if is(err, target) {
				ev.connection = true
				break
			}
		}
	}
}

// timedOut reports whether the single error err is a net.Error that timed
// out. Wrappers that only pass on the Timeout of the error they wrap are
// skipped: the walk visits that error itself, and it may be a nil pointer
// the wrapper would call a method on. context.DeadlineExceeded is a
// net.Error that times out, but a bare context error is the caller's
// business, not a network failure; errors that also match it, like
// net/http's client timeouts, still count.
func timedOut(err error) bool {
	switch err.(type) {
	case *net.OpError, *os.SyscallError, *fs.PathError, *url.Error:
		return false
	}
	x, ok := err.(net.Error)
	return ok && err != context.DeadlineExceeded && x.Timeout()
}

// is reports whether the single error err (not its chain) matches target
// the way errors.Is does at each step: equal to it, or saying so through
// an Is(error) bool method. target must be of a comparable type.
func is(err, target error) bool {
	if err == target {
		return true
	}
	x, ok := err.(interface{ Is(error) bool })
	return ok && x.Is(target)
}

// isNil reports whether err holds a nil pointer (or nil map, slice, func or
// channel), whose methods would likely panic.
func isNil(err error) bool {
	switch v := reflect.ValueOf(err); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}
