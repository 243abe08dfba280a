package classifier

import (
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"reflect"
	"strings"
)

// errorStringType is the type of the errors errors.New makes, and
// fmt.Errorf without %w.
var errorStringType = reflect.TypeOf(errors.New(""))

// refusedPrefixes begin the messages of the errors with which net/http
// refuses to send a request it finds malformed, before anything reaches
// the network (Transport.roundTrip and Client.send in the standard
// library): an invalid header or trailer field name or value, an invalid
// method, an unsupported scheme, a URL without a host, a nil URL or
// header, a RequestURI set on a client request, a control character in the
// URL; and ErrSchemeMismatch, an HTTPS request answered in plain HTTP.
//
// net/http makes these with errors.New or fmt.Errorf without %w, so they
// have no type of their own and (but ErrSchemeMismatch) no exported value
// to compare with: their text, documented by the standard library's own
// tests and unchanged since Go 1.x, is the only thing that tells them
// apart. A leaf error is matched only when it is of errors.New's type, so
// an error of another type that merely says the same is not taken for
// one. Importing net/http to compare with ErrSchemeMismatch by identity
// would add it to every program that uses this package.
//
// Every prefix starts with 'n', 'h' or 'u'; refusedRequest relies on it.
var refusedPrefixes = [...]string{
	"net/http: invalid header field ",
	"net/http: invalid trailer field ",
	"net/http: invalid method ",
	"unsupported protocol scheme ",
	"http: no Host in request URL",
	"http: nil Request.URL",
	"http: nil Request.Header",
	"http: Request.RequestURI can't be set in client requests",
	"net/http: can't write control character in Request.URL",
	"http: server gave HTTP response to HTTPS client",
}

// refusedRequest reports whether the single error err is one with which
// net/http refused to send a malformed request (see refusedPrefixes), or
// a *url.Error from url.Parse (Op "parse"): a URL that cannot be parsed
// names no request that could ever be sent.
func refusedRequest(err error) bool {
	if u, ok := err.(*url.Error); ok {
		return u.Op == "parse"
	}
	if reflect.TypeOf(err) != errorStringType {
		return false
	}
	msg := err.Error()
	if msg == "" || msg[0] != 'n' && msg[0] != 'h' && msg[0] != 'u' {
		return false // no prefix starts so: most errors end here
	}
	for _, p := range refusedPrefixes {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// alertInternalError is the TLS alert internal_error (RFC 8446 §6.2).
const alertInternalError = 80

// tlsAlertType is the reflect.Kind and name of crypto/tls's unexported
// alert type, which a TLS connection over TCP reports a peer's alert with:
// a *net.OpError with Op "remote error" wrapping an alert. tls.AlertError,
// the exported type of the same values, is what QUIC connections report.
const (
	tlsPackage   = "crypto/tls"
	tlsAlertName = "alert"
)

// rejectedTLS reports whether the single error err says that the peer
// ended a TLS handshake with an alert, or that it does not speak TLS at
// all: a tls.AlertError, a *net.OpError "remote error" carrying an alert,
// or a tls.RecordHeaderError. Such a peer refuses our protocol version,
// cipher suites, certificate or server name, and will refuse them again.
// The alert internal_error is the exception: RFC 8446 §6.2 describes it as
// "unrelated to the peer or the correctness of the protocol (such as a
// memory allocation failure)", a failure that may pass.
func rejectedTLS(err error) bool {
	switch x := err.(type) {
	case tls.AlertError:
		return x != alertInternalError
	case *tls.AlertError:
		return *x != alertInternalError
	case tls.RecordHeaderError, *tls.RecordHeaderError:
		return true
	case *net.OpError:
		if x.Op != "remote error" || x.Err == nil {
			return false
		}
		t := reflect.TypeOf(x.Err)
		if t.Kind() != reflect.Uint8 || t.PkgPath() != tlsPackage || t.Name() != tlsAlertName {
			return false
		}
		return reflect.ValueOf(x.Err).Uint() != alertInternalError
	}
	return false
}
