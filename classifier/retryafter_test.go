package classifier

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// retryAfterNow is the receive time for the Retry-After tests: the
// example instant of RFC 9110 §5.6.7.
var retryAfterNow = time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	type result struct {
		D  time.Duration
		OK bool
	}
	tests := []struct {
		name string
		give string
		want result
	}{
		{name: "delay", give: "120", want: result{120 * time.Second, true}},
		{name: "zero", give: "0", want: result{0, true}},
		{name: "one", give: "1", want: result{time.Second, true}},
		{name: "leading zeros", give: "007", want: result{7 * time.Second, true}},
		{name: "many zeros", give: "0000000000000000000000000", want: result{0, true}},
		{name: "spaces", give: "  5  ", want: result{5 * time.Second, true}},
		{name: "tabs", give: "\t5\t", want: result{5 * time.Second, true}},
		{name: "largest exact", give: "9223372036", want: result{9223372036 * time.Second, true}},
		{name: "one past largest saturates", give: "9223372037", want: result{maxDuration, true}},
		{name: "huge saturates", give: "99999999999999999999999", want: result{maxDuration, true}},
		{name: "huge with zeros", give: "000000000000009223372036", want: result{9223372036 * time.Second, true}},
		{name: "imf future", give: "Sun, 06 Nov 1994 08:51:37 GMT", want: result{2 * time.Minute, true}},
		{name: "imf equal now", give: "Sun, 06 Nov 1994 08:49:37 GMT", want: result{0, true}},
		{name: "imf past", give: "Sun, 06 Nov 1994 08:48:37 GMT", want: result{0, true}},
		{name: "imf long past", give: "Thu, 01 Jan 1970 00:00:00 GMT", want: result{0, true}},
		{name: "imf next day", give: "Mon, 07 Nov 1994 08:49:37 GMT", want: result{24 * time.Hour, true}},
		{name: "imf with OWS", give: " Sun, 06 Nov 1994 08:49:47 GMT\t", want: result{10 * time.Second, true}},
		{name: "imf far future saturates", give: "Fri, 31 Dec 9999 23:59:59 GMT", want: result{maxDuration, true}},
		{name: "rfc850", give: "Sunday, 06-Nov-94 08:50:37 GMT", want: result{time.Minute, true}},
		{name: "rfc850 within 50 years", give: "Saturday, 06-Nov-44 08:49:37 GMT", want: result{time.Date(2044, 11, 6, 8, 49, 37, 0, time.UTC).Sub(retryAfterNow), true}},
		{name: "rfc850 over 50 years is past", give: "Tuesday, 06-Nov-45 08:49:37 GMT", want: result{0, true}},
		{name: "asctime", give: "Sun Nov  6 08:49:38 1994", want: result{time.Second, true}},
		{name: "asctime two-digit day", give: "Thu Nov 10 08:49:37 1994", want: result{4 * 24 * time.Hour, true}},
		{name: "asctime past", give: "Sun Nov  6 08:49:36 1994", want: result{0, true}},
		{name: "empty", give: "", want: result{0, false}},
		{name: "only space", give: " ", want: result{0, false}},
		{name: "negative", give: "-1", want: result{0, false}},
		{name: "plus", give: "+1", want: result{0, false}},
		{name: "fraction", give: "1.5", want: result{0, false}},
		{name: "word", give: "abc", want: result{0, false}},
		{name: "inner space", give: "1 2", want: result{0, false}},
		{name: "hex", give: "0x10", want: result{0, false}},
		{name: "unit", give: "10s", want: result{0, false}},
		{name: "newline", give: "10\n", want: result{0, false}},
		{name: "huge then junk", give: "99999999999999999999999x", want: result{0, false}},
		{name: "imf fractional seconds", give: "Sun, 06 Nov 1994 08:51:37.5 GMT", want: result{0, false}},
		{name: "imf other zone", give: "Sun, 06 Nov 1994 08:51:37 PST", want: result{0, false}},
		{name: "imf no zone", give: "Sun, 06 Nov 1994 08:51:37", want: result{0, false}},
		{name: "imf bad day", give: "Sun, 32 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "iso 8601", give: "1994-11-06T08:51:37Z", want: result{0, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := ParseRetryAfter(tt.give, retryAfterNow)
			if diff := cmp.Diff(tt.want, result{d, ok}); diff != "" {
				t.Errorf("ParseRetryAfter(%q) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

func TestParseRetryAfterNowInAnotherZone(t *testing.T) {
	// The same instant as retryAfterNow, on a clock in UTC-8.
	now := retryAfterNow.In(time.FixedZone("PST", -8*60*60))
	d, ok := ParseRetryAfter("Sun, 06 Nov 1994 08:51:37 GMT", now)
	if diff := cmp.Diff([]any{2 * time.Minute, true}, []any{d, ok}); diff != "" {
		t.Errorf("ParseRetryAfter mismatch (-want +got):\n%s", diff)
	}
}

func TestRecentCentury(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		give string
		want int
	}{
		{name: "same century", now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), give: "Sunday, 01-Jun-25 00:00:00 GMT", want: 2025},
		{name: "last century", now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), give: "Sunday, 01-Jun-94 00:00:00 GMT", want: 1994},
		{name: "exactly 50 years ahead", now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), give: "Saturday, 01-Jun-75 00:00:00 GMT", want: 2075},
		{name: "a second past 50 years", now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), give: "Saturday, 01-Jun-75 00:00:01 GMT", want: 1975},
		{name: "next century", now: time.Date(2090, 1, 1, 0, 0, 0, 0, time.UTC), give: "Monday, 01-Jan-01 00:00:00 GMT", want: 2101},
		{name: "go pivot differs", now: time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), give: "Monday, 01-Jan-80 00:00:00 GMT", want: 2080},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := time.Parse(rfc850Date, tt.give)
			if err != nil {
				t.Fatal(err)
			}
			if got := recentCentury(p, tt.now).Year(); got != tt.want {
				t.Errorf("recentCentury(%q, %v) year = %d, want %d", tt.give, tt.now, got, tt.want)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{
		"120", "0", "007", "  5  ", "9223372037", "99999999999999999999999",
		"Sun, 06 Nov 1994 08:51:37 GMT", "Sunday, 06-Nov-94 08:50:37 GMT",
		"Sun Nov  6 08:49:38 1994", "", " ", "-1", "+1", "1.5", "abc", "1 2", "0x10",
	} {
		f.Add(s, int64(0))
		f.Add(s, retryAfterNow.Unix())
	}
	f.Fuzz(func(t *testing.T, s string, nowUnix int64) {
		d, ok := ParseRetryAfter(s, time.Unix(nowUnix, 0))
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, negative", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false; want 0 when not ok", s, d)
		}
		if ok && s != "" && '0' <= s[0] && s[0] <= '9' && d%time.Second != 0 && d != maxDuration {
			t.Fatalf("ParseRetryAfter(%q) = %v, not whole seconds", s, d)
		}
	})
}
