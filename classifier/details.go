package classifier

import (
	"strconv"
	"strings"
)

// The keys of Classification.Details that Default, Strict and
// HTTPResponse set. Integrations that describe the same things use the
// same keys, so that logs and dashboards read alike whatever classified
// the failure.
const (
	// DetailHTTPStatus is the HTTP status code, in decimal: "503".
	DetailHTTPStatus = "http.status"
	// DetailHTTPMethod is the HTTP request's method, upper case: "GET".
	DetailHTTPMethod = "http.method"
	// DetailHTTPHost is the host (and port, if the URL has one) the HTTP
	// request went to: "api.example.com" or "10.0.0.7:8080". It never
	// holds the URL's user information, path or query, which may carry
	// credentials.
	DetailHTTPHost = "http.host"
	// DetailSQLState is the SQLSTATE of a database error: "40001".
	DetailSQLState = "sqlstate"
)

// details returns the Details of what collect found: the HTTP status and
// SQLSTATE, and the method and host of the first *url.Error (the request
// an http.Client failed to send); nil when there is none of them, so that
// an error without them costs no allocation.
func (ev *evidence) details() map[string]string {
	var method, host string
	if r := ev.request; r != nil && r.Op != "parse" {
		// A URL url.Parse could not parse names no host worth reporting.
		method, host = requestMethod(r.Op), urlHost(r.URL)
	}
	n := 0
	for _, has := range [...]bool{ev.hasStatus, ev.hasSQLState, method != "", host != ""} {
		if has {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	d := make(map[string]string, n)
	if ev.hasStatus {
		d[DetailHTTPStatus] = strconv.Itoa(ev.status)
	}
	if ev.hasSQLState {
		d[DetailSQLState] = ev.sqlState
	}
	if method != "" {
		d[DetailHTTPMethod] = method
	}
	if host != "" {
		d[DetailHTTPHost] = host
	}
	return d
}

// requestMethod returns the HTTP method of a *url.Error's Op. An
// http.Client writes the method with only its first letter in upper case
// ("Get", "Post").
func requestMethod(op string) string {
	switch op {
	case "":
		return ""
	case "Get":
		return "GET"
	case "Head":
		return "HEAD"
	case "Post":
		return "POST"
	case "Put":
		return "PUT"
	case "Patch":
		return "PATCH"
	case "Delete":
		return "DELETE"
	case "Options":
		return "OPTIONS"
	}
	return strings.ToUpper(op)
}

// urlHost returns the host, with its port, of the absolute URL u: what
// lies between "//" and the path, query or fragment, without the user
// information before an '@'. It returns "" when u has no "//".
func urlHost(u string) string {
	i := strings.Index(u, "//")
	if i < 0 {
		return ""
	}
	return hostOnly(u[i+2:])
}

// hostOnly returns the authority at the start of s, up to a path, query
// or fragment, without any user information.
func hostOnly(s string) string {
	if j := strings.IndexAny(s, "/?#"); j >= 0 {
		s = s[:j]
	}
	if k := strings.LastIndexByte(s, '@'); k >= 0 {
		s = s[k+1:]
	}
	return s
}
