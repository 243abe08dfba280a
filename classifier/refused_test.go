package classifier

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// uint8Error is a uint8 error type outside crypto/tls, standing in for
// its alert type.
type uint8Error uint8

func (uint8Error) Error() string { return "tls: handshake failure" }

// sameText has the text of a net/http refusal but not errors.New's type.
type sameText struct{}

func (sameText) Error() string { return "net/http: invalid method \"X Y\"" }

func TestDefaultRefusedRequestsAndTLS(t *testing.T) {
	getX := func(err error) error { return &url.Error{Op: "Get", URL: "http://x/p?key=secret", Err: err} }
	tests := []struct {
		name string
		give error
		want Classification
	}{
		{name: "invalid header field name", give: getX(errors.New(`net/http: invalid header field name "a b"`)), want: Classification{Class: Permanent, Details: request("GET", "x")}},
		{name: "invalid header field value", give: errors.New(`net/http: invalid header field value for "X"`), want: Classification{Class: Permanent}},
		{name: "invalid trailer", give: errors.New(`net/http: invalid trailer field name "a b"`), want: Classification{Class: Permanent}},
		{name: "invalid method", give: fmt.Errorf(`net/http: invalid method %q`, "A B"), want: Classification{Class: Permanent}},
		{name: "unsupported scheme", give: getX(fmt.Errorf("%s %q", "unsupported protocol scheme", "ftp")), want: Classification{Class: Permanent, Details: request("GET", "x")}},
		{name: "no host", give: errors.New("http: no Host in request URL"), want: Classification{Class: Permanent}},
		{name: "scheme mismatch", give: errors.New("http: server gave HTTP response to HTTPS client"), want: Classification{Class: Permanent}},
		{name: "url parse", give: &url.Error{Op: "parse", URL: "http://x y/", Err: url.InvalidHostError(" ")}, want: Classification{Class: Permanent}},
		{name: "same text, other type", give: sameText{}, want: Classification{}},
		{name: "wrapped with %w is another error", give: fmt.Errorf("net/http: invalid method: %w", errPlain), want: Classification{}},
		{name: "refused beats connection reset", give: errors.Join(syscallErr(9999), errors.New("http: nil Request.URL")), want: Classification{Class: Permanent}},

		{name: "alert error", give: tls.AlertError(40), want: Classification{Class: Permanent}},
		{name: "alert error wrapped", give: wrap2(tls.AlertError(116)), want: Classification{Class: Permanent}},
		{name: "alert internal error may pass", give: tls.AlertError(alertInternalError), want: Classification{}},
		{name: "record header", give: &net.OpError{Op: "read", Err: tls.RecordHeaderError{Msg: "tls: first record does not look like a TLS handshake"}}, want: Classification{Class: Permanent}},
		{name: "remote error of another package", give: &net.OpError{Op: "remote error", Err: uint8Error(40)}, want: Classification{}},
		{name: "local error", give: &net.OpError{Op: "local error", Err: tls.AlertError(40)}, want: Classification{Class: Permanent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Default.Classify(tt.give)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Default.Classify(%v) mismatch (-want +got):\n%s", tt.give, diff)
			}
			if s := Strict.Classify(tt.give); s.Class != Unknown {
				t.Errorf("Strict.Classify(%v) = %v, want UNKNOWN: these are heuristics", tt.give, s.Class)
			}
		})
	}
}

// TestDefaultRealRefusals classifies the errors net/http and crypto/tls
// return themselves, so that a change in how they report them fails
// here.
func TestDefaultRealRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	v12 := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	v12.TLS = &tls.Config{MinVersion: tls.VersionTLS13}
	v12.Config.ErrorLog = discardLog()
	v12.StartTLS()
	defer v12.Close()

	badHeader := func() *http.Request {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/p?key=secret", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header["Bad Name"] = []string{"v"}
		return req
	}
	badMethod := badHeader()
	badMethod.Header = http.Header{}
	badMethod.Method = "BAD METHOD"
	_, parseErr := http.NewRequest(http.MethodGet, "http://x/\x7f", nil)

	oldTLS := v12.Client()
	oldTLS.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS12

	tests := []struct {
		name string
		do   func() error
	}{
		{"invalid header name through Client", func() error { _, err := srv.Client().Do(badHeader()); return err }},
		{"invalid header name through Transport", func() error { _, err := http.DefaultTransport.RoundTrip(badHeader()); return err }},
		{"invalid method", func() error { _, err := srv.Client().Do(badMethod); return err }},
		{"unsupported scheme", func() error { _, err := srv.Client().Get("ftp://x/"); return err }},
		{"no host", func() error { _, err := srv.Client().Get("http:///p"); return err }},
		{"https to a plain server", func() error { _, err := srv.Client().Get(strings.Replace(srv.URL, "http:", "https:", 1)); return err }},
		{"url parse", func() error { return parseErr }},
		{"tls protocol version alert", func() error { _, err := oldTLS.Get(v12.URL); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil {
				t.Fatal("no error")
			}
			c := Default.Classify(err)
			if c.Class != Permanent {
				t.Errorf("Default.Classify(%v) = %v, want PERMANENT", err, c.Class)
			}
			for _, v := range c.Details {
				if strings.Contains(v, "secret") || strings.Contains(v, "/p") {
					t.Errorf("Details %v leak the URL's path or query", c.Details)
				}
			}
		})
	}
}

// discardLog keeps a test server's TLS handshake errors out of the output.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

func TestRefusedPrefixesStartAsChecked(t *testing.T) {
	for _, p := range refusedPrefixes {
		if p == "" || !strings.ContainsRune("nhu", rune(p[0])) {
			t.Errorf("prefix %q does not start with n, h or u, which refusedRequest checks first", p)
		}
		if !refusedRequest(errors.New(p + "x")) {
			t.Errorf("refusedRequest(%q) = false", p+"x")
		}
	}
}
