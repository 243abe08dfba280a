package classifier

import (
	"errors"
)

// ErrAttemptTimeout is the error redress attaches to an attempt's error
// when the attempt ran out of its own per-attempt timeout (as opposed to
// the caller's deadline). The attempt's error then matches it with
// errors.Is, and Default and Strict classify it TRANSIENT.
var ErrAttemptTimeout = errors.New("redress: attempt timed out")

// Default is the classifier redress uses unless told otherwise. It looks
// at every error in err's chain, following Unwrap() error and
// Unwrap() []error in the order errors.As does, and applies these rules in
// order; the first that gives a class other than UNKNOWN decides:
//
//  1. A *MarkedError (see Mark) anywhere in the chain: its classification,
//     as marked. A marker is final, even one that says UNKNOWN, so
//     Mark(err, Unknown) keeps the other rules from guessing.
//  2. An error with a method StatusCode() int or HTTPStatusCode() int: the
//     class HTTPStatus gives for the first such status, with RetryAfter
//     taken from a method RetryAfter() time.Duration on an error in the
//     chain (a negative value counts as 0).
//     2b. An error with a method SQLState() string, such as pgx's
//     *pgconn.PgError or lib/pq's *pq.Error: the class SQLState gives.
//  3. Heuristics, first match wins:
//     errors.Is(err, ErrAttemptTimeout): TRANSIENT;
//     a TLS certificate verification failure (x509.UnknownAuthorityError,
//     x509.CertificateInvalidError, x509.HostnameError or
//     *tls.CertificateVerificationError): PERMANENT;
//     a peer that refused our TLS with an alert (tls.AlertError, or the
//     "remote error: tls: …" *net.OpError of a TLS connection over TCP)
//     or does not speak TLS (tls.RecordHeaderError): PERMANENT, but for
//     the alert internal_error;
//     a request net/http refused to send because it is malformed (an
//     invalid header field name or value, method or scheme, no host, an
//     HTTPS request answered in plain HTTP), or a URL url.Parse could not
//     parse (a *url.Error with Op "parse"): PERMANENT;
//     a *net.DNSError that IsTimeout or IsTemporary: TRANSIENT, else one
//     that IsNotFound: PERMANENT;
//     a net.Error whose Timeout() is true, other than
//     context.DeadlineExceeded itself: TRANSIENT;
//     syscall.ECONNRESET, ECONNREFUSED, ECONNABORTED, EPIPE or ETIMEDOUT,
//     or io.ErrUnexpectedEOF: TRANSIENT; io.EOF inside a *url.Error (an
//     HTTP server closed the connection without answering): TRANSIENT.
//  4. Anything else is UNKNOWN.
//
// When the chain holds no marker, Details records what it found,
// whichever rule decided: an HTTP status under DetailHTTPStatus (in
// decimal), a SQLSTATE under DetailSQLState, and, from the first
// *url.Error (an http.Client's failed request), the method under
// DetailHTTPMethod and the URL's host and port under DetailHTTPHost; never
// the URL's user information, path or query. Otherwise Details is nil. A
// nil error is UNKNOWN. Nil pointers in the chain are skipped, with
// anything they would wrap, and none of their methods is called.
//
// context.Canceled and context.DeadlineExceeded are UNKNOWN here: whether
// the caller's context ended is for the caller of the classifier to check
// (redress stops such a call as ABORTED and never retries it).
//
// Default does not allocate for an error it finds no status, SQLSTATE or
// *url.Error in.
var Default Classifier = Func(classifyDefault)

// Strict is Default without the heuristics: it trusts only explicit
// signals, which are markers, HTTP statuses, SQLSTATEs and
// ErrAttemptTimeout (rules 1, 2, 2b and the first test of rule 3). Use it
// when a network error must not be mistaken for a safe-to-retry failure,
// for example around calls that are not idempotent, where a reset
// connection may mean the request was carried out.
var Strict Classifier = Func(classifyStrict)

func classifyDefault(err error) Classification { return classify(err, true) }

func classifyStrict(err error) Classification { return classify(err, false) }

// classify applies the rules of Default, and only the explicit ones when
// heuristics is false.
func classify(err error, heuristics bool) Classification {
	if err == nil {
		return Classification{}
	}
	var ev evidence
	ev.heuristics = heuristics
	if ev.collect(err) {
		return ev.marker.Classification // rule 1
	}
	class, byStatus := ev.decide()
	c := Classification{Class: class}
	if byStatus {
		c.RetryAfter = max(ev.retryAfter, 0)
	}
	c.Details = ev.details()
	return c
}

// decide applies rules 2 to 4 to what collect found. byStatus reports
// whether rule 2, the HTTP status, decided.
func (ev *evidence) decide() (c Class, byStatus bool) {
	if ev.hasStatus {
		if c := HTTPStatus(ev.status); c != Unknown {
			return c, true
		}
	}
	if ev.hasSQLState {
		if c := SQLState(ev.sqlState); c != Unknown {
			return c, false
		}
	}
	switch {
	case ev.attemptTimeout:
		return Transient, false
	case !ev.heuristics:
		return Unknown, false
	case ev.certificate, ev.tlsRejected, ev.refused:
		return Permanent, false
	case ev.dnsTransient:
		return Transient, false
	case ev.dnsNotFound:
		return Permanent, false
	case ev.netTimeout, ev.connection, ev.cutBeforeAnswer():
		return Transient, false
	}
	return Unknown, false
}
