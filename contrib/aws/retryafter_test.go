package redressaws

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/redress-go/redress/retry"
)

var amzRetryAfterCases = []struct {
	give   string
	want   time.Duration
	wantOK bool
}{
	{"", 0, false},
	{"0", 0, true},
	{"1500", 1500 * time.Millisecond, true},
	{" 20\t", 20 * time.Millisecond, true},
	{"007", 7 * time.Millisecond, true},
	{"-5", 0, false},
	{"+5", 0, false},
	{"1.5", 0, false},
	{"1e3", 0, false},
	{"5 0", 0, false},
	{"99999999999999999999999", time.Duration(1<<63 - 1), true},
	{"9223372036854", 9223372036854 * time.Millisecond, true},
	{"9223372036855", time.Duration(1<<63 - 1), true},
}

func TestParseAmzRetryAfter(t *testing.T) {
	for _, tt := range amzRetryAfterCases {
		got, ok := parseAmzRetryAfter(tt.give)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseAmzRetryAfter(%q) = %v, %v; want %v, %v", tt.give, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzParseAmzRetryAfter checks that the parser never panics, never
// returns a negative wait, and agrees with strconv on the values both
// read.
func FuzzParseAmzRetryAfter(f *testing.F) {
	for _, tt := range amzRetryAfterCases {
		f.Add(tt.give)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := parseAmzRetryAfter(v)
		if got < 0 || !ok && got != 0 {
			t.Fatalf("parseAmzRetryAfter(%q) = %v, %v", v, got, ok)
		}
		if ms, err := strconv.ParseUint(v, 10, 64); err == nil && ms <= uint64(maxMillis) {
			if !ok || got != time.Duration(ms)*time.Millisecond {
				t.Fatalf("parseAmzRetryAfter(%q) = %v, %v; strconv reads %d ms", v, got, ok, ms)
			}
		}
	})
}

// FuzzClassifierRetryAfter checks that whatever a response's headers say,
// the wait Classifier reports is in [0, retry.DefaultMaxRetryAfter].
func FuzzClassifierRetryAfter(f *testing.F) {
	for _, tt := range amzRetryAfterCases {
		f.Add(tt.give, "", "")
	}
	f.Add("", "120", "")
	f.Add("", "Sun, 06 Nov 2994 08:49:37 GMT", "")
	f.Add("", "", "99999999999")
	f.Fuzz(func(t *testing.T, amz, ra, raMs string) {
		h := http.Header{}
		for k, v := range map[string]string{"X-Amz-Retry-After": amz, "Retry-After": ra, "Retry-After-Ms": raMs} {
			if v != "" {
				h.Set(k, v)
			}
		}
		err := &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400, Header: h}},
			Err:      &smithy.GenericAPIError{Code: "ThrottlingException"},
		}
		c := classifyAt(err, func() time.Time { return time.Unix(1e9, 0) })
		if c.RetryAfter < 0 || c.RetryAfter > retry.DefaultMaxRetryAfter {
			t.Fatalf("RetryAfter = %v for %q", c.RetryAfter, h)
		}
	})
}
