package classifier

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// statusError is an HTTP client's error with a status code, wrapping err.
type statusError struct {
	code int
	err  error
}

func (e *statusError) Error() string   { return "status " + strconv.Itoa(e.code) }
func (e *statusError) StatusCode() int { return e.code }
func (e *statusError) Unwrap() error   { return e.err }

// apiError carries both a status and the server's Retry-After.
type apiError struct {
	code  int
	after time.Duration
}

func (e apiError) Error() string             { return "api " + strconv.Itoa(e.code) }
func (e apiError) StatusCode() int           { return e.code }
func (e apiError) RetryAfter() time.Duration { return e.after }

// afterError carries only a Retry-After, as a wrapper might.
type afterError struct {
	after time.Duration
	err   error
}

func (e *afterError) Error() string             { return "retry after " + e.after.String() }
func (e *afterError) RetryAfter() time.Duration { return e.after }
func (e *afterError) Unwrap() error             { return e.err }

// httpCodeError spells its method HTTPStatusCode, as some SDKs do.
type httpCodeError struct{ code int }

func (e httpCodeError) Error() string       { return "http " + strconv.Itoa(e.code) }
func (e httpCodeError) HTTPStatusCode() int { return e.code }

// sqlError is a database driver's error, like pgx's *pgconn.PgError.
type sqlError struct {
	code string
	err  error
}

func (e *sqlError) Error() string    { return "sql " + e.code }
func (e *sqlError) SQLState() string { return e.code }
func (e *sqlError) Unwrap() error    { return e.err }

// timeoutError is a net.Error that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// httpTimeoutError is like net/http's client timeout: a net.Error that
// times out and also matches context.DeadlineExceeded.
type httpTimeoutError struct{}

func (httpTimeoutError) Error() string        { return "Client.Timeout exceeded" }
func (httpTimeoutError) Timeout() bool        { return true }
func (httpTimeoutError) Temporary() bool      { return true }
func (httpTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// attemptTimeoutError wraps an error and matches ErrAttemptTimeout, the
// way the root package marks its own attempt timeouts.
type attemptTimeoutError struct{ err error }

func (e *attemptTimeoutError) Error() string        { return "attempt timed out: " + e.err.Error() }
func (e *attemptTimeoutError) Unwrap() error        { return e.err }
func (e *attemptTimeoutError) Is(target error) bool { return target == ErrAttemptTimeout }

// asMarker presents itself as a marker through an As method.
type asMarker struct{ c Class }

func (e asMarker) Error() string { return "as marker" }
func (e asMarker) As(target any) bool {
	if p, ok := target.(**MarkedError); ok {
		*p = &MarkedError{Err: e, Classification: Classification{Class: e.c}}
		return true
	}
	return false
}

// wrap2 wraps err twice with fmt.Errorf, so the signal sits at depth 2.
func wrap2(err error) error {
	return fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", err))
}

func syscallErr(errno syscall.Errno) error {
	return &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", errno)}
}

var errPlain = errors.New("plain")

func status(code int) map[string]string { return map[string]string{"http.status": strconv.Itoa(code)} }

func sqlstate(code string) map[string]string { return map[string]string{"sqlstate": code} }

func request(method, host string) map[string]string {
	return map[string]string{"http.method": method, "http.host": host}
}

func TestDefault(t *testing.T) {
	tests := []struct {
		name string
		give error
		want Classification
	}{
		{name: "nil", give: nil, want: Classification{}},
		{name: "plain", give: errPlain, want: Classification{}},
		{name: "plain wrapped", give: wrap2(errPlain), want: Classification{}},

		// Rule 1: markers.
		{name: "marked permanent", give: MarkPermanent(errPlain), want: Classification{Class: Permanent}},
		{name: "marked transient depth 2", give: wrap2(MarkTransient(errPlain)), want: Classification{Class: Transient}},
		{name: "marked rate limited", give: wrap2(MarkRateLimited(errPlain, 2*time.Second)), want: Classification{Class: RateLimit, RetryAfter: 2 * time.Second}},
		{name: "marked concurrency", give: Mark(errPlain, Concurrency), want: Classification{Class: Concurrency}},
		{name: "marked in join", give: errors.Join(errPlain, MarkPermanent(errPlain)), want: Classification{Class: Permanent}},
		{name: "outermost marker wins", give: MarkTransient(MarkPermanent(errPlain)), want: Classification{Class: Transient}},
		{name: "marker through As", give: wrap2(asMarker{c: Auth}), want: Classification{Class: Auth}},
		{name: "marker beats status", give: MarkPermanent(&statusError{code: 503}), want: Classification{Class: Permanent}},
		{name: "marker under status beats it", give: &statusError{code: 503, err: MarkPermanent(errPlain)}, want: Classification{Class: Permanent}},
		{name: "marker beats attempt timeout", give: &attemptTimeoutError{err: MarkPermanent(errPlain)}, want: Classification{Class: Permanent}},
		{name: "unknown marker is final", give: Mark(&statusError{code: 503}, Unknown), want: Classification{}},
		{name: "marker beats heuristics", give: MarkPermanent(syscallErr(syscall.ECONNRESET)), want: Classification{Class: Permanent}},

		// Rule 2: HTTP status, with Retry-After.
		{name: "HTTPStatusCode method", give: wrap2(httpCodeError{code: 429}), want: Classification{Class: RateLimit, Details: status(429)}},
		{name: "429 with Retry-After", give: wrap2(apiError{code: 429, after: 3 * time.Second}), want: Classification{Class: RateLimit, RetryAfter: 3 * time.Second, Details: status(429)}},
		{name: "503 with Retry-After", give: apiError{code: 503, after: time.Hour}, want: Classification{Class: ServerError, RetryAfter: time.Hour, Details: status(503)}},
		{name: "Retry-After from a wrapper", give: &afterError{after: 3 * time.Second, err: wrap2(&statusError{code: 429})}, want: Classification{Class: RateLimit, RetryAfter: 3 * time.Second, Details: status(429)}},
		{name: "Retry-After under the status", give: &statusError{code: 503, err: &afterError{after: time.Minute}}, want: Classification{Class: ServerError, RetryAfter: time.Minute, Details: status(503)}},
		{name: "negative Retry-After is 0", give: &afterError{after: -time.Second, err: &statusError{code: 429}}, want: Classification{Class: RateLimit, Details: status(429)}},
		{name: "first status wins", give: &statusError{code: 404, err: &statusError{code: 503}}, want: Classification{Class: Permanent, Details: status(404)}},
		{name: "status beats connection reset", give: &statusError{code: 400, err: syscallErr(syscall.ECONNRESET)}, want: Classification{Class: Permanent, Details: status(400)}},
		{name: "status beats net timeout", give: errors.Join(timeoutError{}, &statusError{code: 409}), want: Classification{Class: Concurrency, Details: status(409)}},
		{name: "status beats attempt timeout", give: &attemptTimeoutError{err: &statusError{code: 401}}, want: Classification{Class: Auth, Details: status(401)}},
		{name: "status beats SQLSTATE", give: &statusError{code: 403, err: &sqlError{code: "40001"}}, want: Classification{Class: Permission, Details: map[string]string{"http.status": "403", "sqlstate": "40001"}}},
		{name: "status 200 falls through", give: &statusError{code: 200, err: timeoutError{}}, want: Classification{Class: Transient, Details: status(200)}},
		{name: "status 302 falls through to SQLSTATE", give: &statusError{code: 302, err: &sqlError{code: "40P01"}}, want: Classification{Class: Concurrency, Details: map[string]string{"http.status": "302", "sqlstate": "40P01"}}},
		{name: "Retry-After only with a deciding status", give: &afterError{after: time.Second, err: &statusError{code: 200, err: timeoutError{}}}, want: Classification{Class: Transient, Details: status(200)}},
		{name: "Retry-After without status", give: &afterError{after: time.Second}, want: Classification{}},

		// Rule 2b: SQLSTATE.
		{name: "sqlstate serialization", give: wrap2(&sqlError{code: "40001"}), want: Classification{Class: Concurrency, Details: sqlstate("40001")}},
		{name: "sqlstate connection", give: &sqlError{code: "08006"}, want: Classification{Class: Transient, Details: sqlstate("08006")}},
		{name: "sqlstate unique violation", give: &sqlError{code: "23505"}, want: Classification{Class: Permanent, Details: sqlstate("23505")}},
		{name: "sqlstate unknown falls through", give: &sqlError{code: "XX000"}, want: Classification{Details: sqlstate("XX000")}},
		{name: "sqlstate beats heuristics", give: errors.Join(syscallErr(syscall.ECONNRESET), &sqlError{code: "42501"}), want: Classification{Class: Permission, Details: sqlstate("42501")}},

		// Rule 3: our own attempt timeout.
		{name: "attempt timeout sentinel", give: ErrAttemptTimeout, want: Classification{Class: Transient}},
		{name: "attempt timeout wrapped", give: wrap2(ErrAttemptTimeout), want: Classification{Class: Transient}},
		{name: "attempt timeout by Is", give: &attemptTimeoutError{err: context.DeadlineExceeded}, want: Classification{Class: Transient}},
		{name: "attempt timeout beats certificate", give: &attemptTimeoutError{err: x509.UnknownAuthorityError{}}, want: Classification{Class: Transient}},

		// Rule 3: certificates.
		{name: "unknown authority", give: wrap2(x509.UnknownAuthorityError{}), want: Classification{Class: Permanent}},
		{name: "unknown authority pointer", give: &x509.UnknownAuthorityError{}, want: Classification{Class: Permanent}},
		{name: "certificate invalid", give: x509.CertificateInvalidError{Reason: x509.Expired}, want: Classification{Class: Permanent}},
		{name: "hostname", give: x509.HostnameError{Host: "example.com"}, want: Classification{Class: Permanent}},
		{name: "tls verification", give: &net.OpError{Op: "remote error", Err: &tls.CertificateVerificationError{Err: errPlain}}, want: Classification{Class: Permanent}},
		{name: "certificate beats DNS", give: errors.Join(&net.DNSError{IsTemporary: true}, x509.HostnameError{}), want: Classification{Class: Permanent}},

		// Rule 3: DNS.
		{name: "dns timeout", give: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "timeout", IsTimeout: true}}, want: Classification{Class: Transient}},
		{name: "dns temporary", give: wrap2(&net.DNSError{Err: "server misbehaving", IsTemporary: true}), want: Classification{Class: Transient}},
		{name: "dns not found", give: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, want: Classification{Class: Permanent}},
		{name: "dns temporary beats not found", give: &net.DNSError{IsTemporary: true, IsNotFound: true}, want: Classification{Class: Transient}},
		{name: "dns not found beats what it wraps", give: &net.DNSError{IsNotFound: true, UnwrapErr: syscall.ECONNREFUSED}, want: Classification{Class: Permanent}},
		{name: "dns otherwise", give: &net.DNSError{Err: "odd"}, want: Classification{}},
		{name: "first dns error decides", give: errors.Join(&net.DNSError{IsNotFound: true}, &net.DNSError{IsTemporary: true}), want: Classification{Class: Permanent}},
		{name: "dns not found beats net timeout", give: errors.Join(timeoutError{}, &net.DNSError{IsNotFound: true}), want: Classification{Class: Permanent}},

		// Rule 3: net timeouts.
		{name: "net timeout", give: wrap2(&net.OpError{Op: "read", Err: timeoutError{}}), want: Classification{Class: Transient}},
		{name: "os deadline", give: &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, want: Classification{Class: Transient}},
		{name: "http client timeout", give: &url.Error{Op: "Get", URL: "http://x", Err: httpTimeoutError{}}, want: Classification{Class: Transient, Details: request("GET", "x")}},
		{name: "read deadline in url.Error", give: wrap2(&url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}}), want: Classification{Class: Transient, Details: request("GET", "x")}},
		{name: "not a timeout", give: &net.OpError{Op: "read", Err: errPlain}, want: Classification{}},

		// Rule 3: connections.
		{name: "econnreset", give: syscallErr(syscall.ECONNRESET), want: Classification{Class: Transient}},
		{name: "econnrefused", give: wrap2(syscallErr(syscall.ECONNREFUSED)), want: Classification{Class: Transient}},
		{name: "econnaborted", give: syscallErr(syscall.ECONNABORTED), want: Classification{Class: Transient}},
		{name: "epipe", give: syscallErr(syscall.EPIPE), want: Classification{Class: Transient}},
		{name: "etimedout", give: syscall.ETIMEDOUT, want: Classification{Class: Transient}},
		{name: "other errno", give: syscallErr(syscall.EACCES), want: Classification{}},
		{name: "unexpected eof", give: wrap2(io.ErrUnexpectedEOF), want: Classification{Class: Transient}},
		{name: "database/sql bad connection", give: fmt.Errorf("query: %w", driver.ErrBadConn), want: Classification{Class: Transient}},
		{name: "eof from an http request", give: wrap2(&url.Error{Op: "Get", URL: "http://x", Err: io.EOF}), want: Classification{Class: Transient, Details: request("GET", "x")}},
		{name: "eof alone is the end of a stream", give: wrap2(io.EOF), want: Classification{}},
		{name: "eof", give: io.EOF, want: Classification{}},

		// Context errors are the caller's to judge.
		{name: "deadline exceeded", give: context.DeadlineExceeded, want: Classification{}},
		{name: "deadline exceeded wrapped", give: wrap2(context.DeadlineExceeded), want: Classification{}},
		{name: "deadline exceeded in url.Error", give: &url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, want: Classification{Details: request("GET", "x")}},
		{name: "canceled", give: wrap2(context.Canceled), want: Classification{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Default.Classify(tt.give)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Default.Classify(%v) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func TestDefaultHTTPStatusBoundaries(t *testing.T) {
	tests := []struct {
		give int
		want Class
	}{
		{give: 200, want: Unknown},
		{give: 302, want: Unknown},
		{give: 400, want: Permanent},
		{give: 401, want: Auth},
		{give: 403, want: Permission},
		{give: 404, want: Permanent},
		{give: 408, want: Transient},
		{give: 409, want: Concurrency},
		{give: 425, want: Transient},
		{give: 429, want: RateLimit},
		{give: 499, want: Permanent},
		{give: 500, want: ServerError},
		{give: 501, want: Permanent},
		{give: 502, want: ServerError},
		{give: 503, want: ServerError},
		{give: 504, want: ServerError},
		{give: 505, want: Permanent},
		{give: 599, want: ServerError},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.give), func(t *testing.T) {
			want := Classification{Class: tt.want, Details: status(tt.give)}
			got := Default.Classify(wrap2(&statusError{code: tt.give}))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Default.Classify(status %d) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}
