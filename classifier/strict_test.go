package classifier

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestStrictDiffersOnHeuristics(t *testing.T) {
	tests := []struct {
		name        string
		give        error
		wantDefault Class
	}{
		{name: "certificate", give: x509.UnknownAuthorityError{}, wantDefault: Permanent},
		{name: "dns temporary", give: &net.DNSError{IsTemporary: true}, wantDefault: Transient},
		{name: "dns timeout", give: &net.DNSError{IsTimeout: true}, wantDefault: Transient},
		{name: "dns not found", give: &net.DNSError{IsNotFound: true}, wantDefault: Permanent},
		{name: "net timeout", give: &net.OpError{Op: "read", Err: timeoutError{}}, wantDefault: Transient},
		{name: "econnreset", give: syscallErr(syscall.ECONNRESET), wantDefault: Transient},
		{name: "econnrefused", give: syscallErr(syscall.ECONNREFUSED), wantDefault: Transient},
		{name: "econnaborted", give: syscallErr(syscall.ECONNABORTED), wantDefault: Transient},
		{name: "epipe", give: syscallErr(syscall.EPIPE), wantDefault: Transient},
		{name: "etimedout", give: syscallErr(syscall.ETIMEDOUT), wantDefault: Transient},
		{name: "unexpected eof", give: io.ErrUnexpectedEOF, wantDefault: Transient},
		{name: "eof from an http request", give: &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}, wantDefault: Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := []Class{tt.wantDefault, Unknown}
			got := []Class{Default.Classify(tt.give).Class, Strict.Classify(tt.give).Class}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[Default, Strict] classes of %v mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func TestStrictKeepsExplicitSignals(t *testing.T) {
	tests := []struct {
		name string
		give error
		want Classification
	}{
		{name: "nil", give: nil, want: Classification{}},
		{name: "plain", give: errPlain, want: Classification{}},
		{name: "marker", give: wrap2(MarkRateLimited(errPlain, time.Second)), want: Classification{Class: RateLimit, RetryAfter: time.Second}},
		{name: "status", give: wrap2(apiError{code: 429, after: time.Second}), want: Classification{Class: RateLimit, RetryAfter: time.Second, Details: status(429)}},
		{name: "status 200", give: &statusError{code: 200, err: timeoutError{}}, want: Classification{Details: status(200)}},
		{name: "sqlstate", give: wrap2(&sqlError{code: "40P01"}), want: Classification{Class: Concurrency, Details: sqlstate("40P01")}},
		{name: "attempt timeout", give: &attemptTimeoutError{err: syscallErr(syscall.ECONNRESET)}, want: Classification{Class: Transient}},
		{name: "deadline exceeded", give: context.DeadlineExceeded, want: Classification{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Strict.Classify(tt.give)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Strict.Classify(%v) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

// multiError unwraps to a slice that may hold nils, as a careless
// hand-written multi-error might.
type multiError []error

func (m multiError) Error() string   { return "multi" }
func (m multiError) Unwrap() []error { return m }

// nilUnwrapper panics when its Unwrap is called on a nil pointer.
type nilUnwrapper struct{ err error }

func (e *nilUnwrapper) Error() string { return "wrapper" }
func (e *nilUnwrapper) Unwrap() error { return e.err }

func TestTypedNilInChain(t *testing.T) {
	var (
		nilStatus  *statusError
		nilMarked  *MarkedError
		nilDNS     *net.DNSError
		nilWrapper *nilUnwrapper
		nilCert    *x509.UnknownAuthorityError
		nilMulti   multiError
	)
	tests := []struct {
		name string
		give error
		want Class
	}{
		{name: "nil status", give: nilStatus, want: Unknown},
		{name: "nil status wrapped", give: wrap2(nilStatus), want: Unknown},
		{name: "nil marker", give: wrap2(nilMarked), want: Unknown},
		{name: "nil dns", give: &net.OpError{Op: "dial", Err: nilDNS}, want: Unknown},
		{name: "nil wrapper", give: wrap2(nilWrapper), want: Unknown},
		{name: "nil certificate", give: wrap2(nilCert), want: Unknown},
		{name: "nil multi", give: nilMulti, want: Unknown},
		{name: "nil next to a marker", give: errors.Join(nilStatus, nilMarked, MarkTransient(errPlain)), want: Transient},
		{name: "nil interface in a multi", give: multiError{nil, nilStatus, &statusError{code: 409}}, want: Concurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []Classifier{Default, Strict} {
				if got := c.Classify(tt.give).Class; got != tt.want {
					t.Errorf("Classify(%T) = %v, want %v", tt.give, got, tt.want)
				}
			}
		})
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name string
		give error
	}{
		{name: "plain", give: errors.New("x")},
		{name: "wrapped", give: fmt.Errorf("a: %w", errors.New("x"))},
		{name: "joined", give: errors.Join(errors.New("x"), errors.New("y"))},
		{name: "marked", give: MarkTransient(errors.New("x"))},
		{name: "connection reset", give: syscallErr(syscall.ECONNRESET)},
		{name: "attempt timeout", give: &attemptTimeoutError{err: errors.New("x")}},
		{name: "refused request", give: errors.New(`net/http: invalid header field name "a b"`)},
		{name: "tls alert", give: &net.OpError{Op: "remote error", Err: tls.AlertError(40)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				name string
				c    Classifier
			}{{"Default", Default}, {"Strict", Strict}} {
				allocs := testing.AllocsPerRun(100, func() { c.c.Classify(tt.give) })
				if allocs != 0 {
					t.Errorf("%s.Classify(%v) made %v allocations, want 0", c.name, tt.give, allocs)
				}
			}
		})
	}
}

// FuzzClassify builds an error chain from the fuzzer's choices and checks
// the invariants of Default and Strict.
func FuzzClassify(f *testing.F) {
	f.Add(503, int64(time.Second), "40001", uint8(0), uint8(0))
	f.Add(200, int64(-1), "XX000", uint8(3), uint8(1))
	f.Add(429, int64(0), "", uint8(5), uint8(2))
	f.Add(0, int64(0), "08006", uint8(7), uint8(3))
	f.Fuzz(func(t *testing.T, code int, after int64, state string, mark, heuristic uint8) {
		heuristics := []error{errPlain, syscallErr(syscall.ECONNRESET), timeoutError{}, &net.DNSError{IsNotFound: true}, x509.HostnameError{}, ErrAttemptTimeout}
		var err error = heuristics[int(heuristic)%len(heuristics)]
		err = &sqlError{code: state, err: err}
		err = &afterError{after: time.Duration(after), err: &statusError{code: code, err: err}}
		if mark%2 == 1 {
			err = errors.Join(errPlain, Mark(err, Class(mark/2)))
		}
		d, s := Default.Classify(err), Strict.Classify(err)
		if !d.Class.Valid() && mark%2 == 0 {
			t.Fatalf("Default class %v is not valid", d.Class)
		}
		if d.RetryAfter < 0 || s.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter: Default %v, Strict %v", d.RetryAfter, s.RetryAfter)
		}
		if mark%2 == 1 && (d.Class != Class(mark/2) || s.Class != Class(mark/2)) {
			t.Fatalf("marked %v, got Default %v, Strict %v", Class(mark/2), d.Class, s.Class)
		}
		if s.Class != d.Class && s.Class != Unknown {
			t.Fatalf("Strict %v is neither Default's %v nor UNKNOWN", s.Class, d.Class)
		}
	})
}
