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
		now  time.Time // retryAfterNow if zero
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

		// HTTP-date has no fractional seconds (RFC 9110 §5.6.7), whether
		// written with '.' or ','.
		{name: "imf comma fraction", give: "Sun, 06 Nov 1994 08:49:37,5 GMT", want: result{0, false}},
		{name: "rfc850 comma fraction", give: "Sunday, 06-Nov-94 08:49:37,5 GMT", want: result{0, false}},
		{name: "asctime comma fraction", give: "Sun Nov  6 08:49:37,5 1994", want: result{0, false}},
		{name: "rfc850 dot fraction", give: "Sunday, 06-Nov-94 08:49:37.5 GMT", want: result{0, false}},
		{name: "asctime dot fraction", give: "Sun Nov  6 08:49:37.5 1994", want: result{0, false}},

		// Names are case-sensitive (%s"Sun"), and every field has a fixed
		// width (RFC 9110 §5.6.7).
		{name: "imf lower-case names", give: "sun, 06 nov 1994 08:49:37 GMT", want: result{0, false}},
		{name: "imf upper-case names", give: "SUN, 06 NOV 1994 08:49:37 GMT", want: result{0, false}},
		{name: "imf lower-case month", give: "Sun, 06 nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf lower-case gmt", give: "Sun, 06 Nov 1994 08:51:37 gmt", want: result{0, false}},
		{name: "imf utc", give: "Sun, 06 Nov 1994 08:51:37 UTC", want: result{0, false}},
		{name: "imf one-digit hour", give: "Sun, 06 Nov 1994 8:49:37 GMT", want: result{0, false}},
		{name: "imf one-digit minute", give: "Sun, 06 Nov 1994 08:9:37 GMT", want: result{0, false}},
		{name: "imf one-digit second", give: "Sun, 06 Nov 1994 08:49:7 GMT", want: result{0, false}},
		{name: "imf one-digit day", give: "Sun, 6 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf two-digit year", give: "Sun, 06 Nov 94 08:51:37 GMT", want: result{0, false}},
		{name: "imf long day name", give: "Sunday, 06 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf long month name", give: "Sun, 06 November 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf no space after comma", give: "Sun,06 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf double space", give: "Sun, 06 Nov 1994  08:51:37 GMT", want: result{0, false}},
		{name: "imf inner tab", give: "Sun,\t06 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf sign in day", give: "Sun, +6 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "rfc850 lower-case names", give: "sunday, 06-nov-94 08:50:37 GMT", want: result{0, false}},
		{name: "rfc850 short day name", give: "Sun, 06-Nov-94 08:50:37 GMT", want: result{0, false}},
		{name: "rfc850 four-digit year", give: "Sunday, 06-Nov-1994 08:50:37 GMT", want: result{0, false}},
		{name: "rfc850 one-digit hour", give: "Sunday, 06-Nov-94 8:50:37 GMT", want: result{0, false}},
		{name: "rfc850 no zone", give: "Sunday, 06-Nov-94 08:50:37", want: result{0, false}},
		{name: "asctime one-space day", give: "Sun Nov 6 08:49:37 1994", want: result{0, false}},
		{name: "asctime lower-case names", give: "sun nov  6 08:49:38 1994", want: result{0, false}},
		{name: "asctime one-digit hour", give: "Sun Nov  6 8:49:38 1994", want: result{0, false}},
		{name: "asctime with zone", give: "Sun Nov  6 08:49:38 1994 GMT", want: result{0, false}},
		{name: "asctime two-digit year", give: "Sun Nov  6 08:49:38 94", want: result{0, false}},
		{name: "asctime day zero", give: "Sun Nov  0 08:49:38 1994", want: result{0, false}},
		{name: "asctime zero-padded day", give: "Sun Nov 06 08:49:38 1994", want: result{time.Second, true}},

		// Ranges: 00:00:00 - 23:59:60, and the date must exist.
		{name: "imf hour 24", give: "Sun, 06 Nov 1994 24:00:00 GMT", want: result{0, false}},
		{name: "imf minute 60", give: "Sun, 06 Nov 1994 08:60:00 GMT", want: result{0, false}},
		{name: "imf second 61", give: "Sun, 06 Nov 1994 08:49:61 GMT", want: result{0, false}},
		{name: "imf day zero", give: "Sun, 00 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf 31 Nov", give: "Thu, 31 Nov 1994 08:51:37 GMT", want: result{0, false}},
		{name: "imf 29 Feb common year", give: "Thu, 29 Feb 1900 08:51:37 GMT", want: result{0, false}},
		{name: "imf 29 Feb leap year", give: "Tue, 29 Feb 2000 00:00:00 GMT", want: result{time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC).Sub(retryAfterNow), true}},
		{name: "rfc850 29 Feb leap year", give: "Tuesday, 29-Feb-00 00:00:00 GMT", want: result{time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC).Sub(retryAfterNow), true}},
		{name: "rfc850 29 Feb common year", give: "Thursday, 29-Feb-01 00:00:00 GMT", want: result{0, false}},
		{name: "rfc850 month 13", give: "Sunday, 06-Foo-94 08:50:37 GMT", want: result{0, false}},

		// Second 60 is a leap second: one second after second 59.
		{name: "imf leap second", now: time.Date(2016, 12, 31, 23, 0, 0, 0, time.UTC), give: "Sat, 31 Dec 2016 23:59:60 GMT", want: result{time.Hour, true}},
		{name: "rfc850 leap second", now: time.Date(2016, 12, 31, 23, 0, 0, 0, time.UTC), give: "Saturday, 31-Dec-16 23:59:60 GMT", want: result{time.Hour, true}},
		{name: "asctime leap second", now: time.Date(2016, 12, 31, 23, 0, 0, 0, time.UTC), give: "Sat Dec 31 23:59:60 2016", want: result{time.Hour, true}},
		{name: "imf second 60 mid-day", give: "Sun, 06 Nov 1994 08:49:60 GMT", want: result{23 * time.Second, true}},
		{name: "imf second 60 past", give: "Sun, 06 Nov 1994 08:48:60 GMT", want: result{0, true}},

		// The day name is not checked against the date; see ParseRetryAfter.
		{name: "imf wrong weekday", give: "Mon, 06 Nov 1994 08:51:37 GMT", want: result{2 * time.Minute, true}},
		{name: "rfc850 wrong weekday", give: "Monday, 06-Nov-94 08:50:37 GMT", want: result{time.Minute, true}},
		{name: "asctime wrong weekday", give: "Mon Nov  6 08:49:38 1994", want: result{time.Second, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = retryAfterNow
			}
			d, ok := ParseRetryAfter(tt.give, now)
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
		{name: "leap second at the limit", now: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), give: "Thursday, 31-Dec-75 23:59:60 GMT", want: 1975},
		{name: "leap second within the limit", now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), give: "Thursday, 31-Dec-75 23:59:60 GMT", want: 2075},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRFC850Date(tt.give)
			if !ok {
				t.Fatalf("parseRFC850Date(%q) failed", tt.give)
			}
			if y := recentCentury(got, tt.now); y != tt.want {
				t.Errorf("recentCentury(%q, %v) = %d, want %d", tt.give, tt.now, y, tt.want)
			}
		})
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{
		"120", "0", "007", "  5  ", "9223372037", "99999999999999999999999",
		"Sun, 06 Nov 1994 08:51:37 GMT", "Sunday, 06-Nov-94 08:50:37 GMT",
		"Sun Nov  6 08:49:38 1994", "", " ", "-1", "+1", "1.5", "abc", "1 2", "0x10",
		"Sun, 06 Nov 1994 08:49:37,5 GMT", "Sunday, 06-Nov-94 08:49:37,5 GMT",
		"Sun Nov  6 08:49:37,5 1994", "sun, 06 nov 1994 08:49:37 GMT",
		"SUN, 06 NOV 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun Nov 6 08:49:37 1994", "Sat, 31 Dec 2016 23:59:60 GMT",
		"Saturday, 31-Dec-16 23:59:60 GMT", "Sat Dec 31 23:59:60 2016",
		"Mon, 06 Nov 1994 08:49:37 GMT", "Tue, 29 Feb 2000 00:00:00 GMT",
		"Thursday, 29-Feb-01 00:00:00 GMT", "Thu, 31 Nov 1994 08:51:37 GMT",
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
