package classifier

import (
	"strings"
	"time"
)

// maxDuration is the largest time.Duration, about 292 years.
const maxDuration = time.Duration(1<<63 - 1)

// maxSeconds is the largest number of whole seconds a Duration holds.
const maxSeconds = int64(maxDuration / time.Second)

// The three HTTP-date forms of RFC 9110 §5.6.7: the preferred IMF-fixdate
// and the two obsolete forms a recipient must still accept.
const (
	imfFixdate  = "Mon, 02 Jan 2006 15:04:05 GMT"
	rfc850Date  = "Monday, 02-Jan-06 15:04:05 GMT"
	asctimeDate = "Mon Jan _2 15:04:05 2006"
)

// ParseRetryAfter parses the value of an HTTP Retry-After header field
// (RFC 9110 §10.2.3) received at now, and returns how long the server
// asked the client to wait.
//
// The value is either delay-seconds, a non-negative decimal integer such
// as "120", or an HTTP-date such as "Sun, 06 Nov 1994 08:49:37 GMT" (the
// obsolete RFC 850 and asctime forms are accepted too). Surrounding spaces
// and tabs are ignored. A date at or before now gives (0, true). A delay
// too large for a time.Duration gives the largest Duration: the result is
// the server's value, saturated, not capped to anything reasonable;
// capping is the retry policy's job (see retry.WithMaxRetryAfter).
//
// Anything else, including "", "-1", "+1", "1.5" and "0x10", gives
// (0, false). The result is never negative.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	v := strings.Trim(value, " \t") // OWS, RFC 9110 §5.6.3
	if v == "" {
		return 0, false
	}
	if '0' <= v[0] && v[0] <= '9' {
		return parseDelaySeconds(v)
	}
	t, ok := parseHTTPDate(v, now)
	if !ok {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// parseDelaySeconds parses delay-seconds = 1*DIGIT, saturating at the
// largest Duration.
func parseDelaySeconds(v string) (time.Duration, bool) {
	var secs int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		// Once past maxSeconds, stop accumulating so that secs cannot
		// overflow; the remaining characters are still checked.
		if secs <= maxSeconds {
			secs = secs*10 + int64(c-'0')
		}
	}
	if secs > maxSeconds {
		return maxDuration, true
	}
	return time.Duration(secs) * time.Second, true
}

// parseHTTPDate parses an HTTP-date in any of its three forms.
func parseHTTPDate(v string, now time.Time) (time.Time, bool) {
	// time.Parse accepts fractional seconds after the seconds field even
	// when the layout has none; HTTP-date has no fractions.
	if strings.IndexByte(v, '.') >= 0 {
		return time.Time{}, false
	}
	if t, err := time.Parse(imfFixdate, v); err == nil {
		return t, true
	}
	if t, err := time.Parse(rfc850Date, v); err == nil {
		return recentCentury(t, now), true
	}
	if t, err := time.Parse(asctimeDate, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// recentCentury puts the two-digit year of an RFC 850 date into the right
// century. RFC 9110 §5.6.7: a recipient must interpret a timestamp that
// appears to be more than 50 years in the future as the most recent year
// in the past with the same last two digits. So of the years ending in
// those digits, pick the latest one whose date is at most 50 years after
// now.
func recentCentury(t, now time.Time) time.Time {
	limit := now.AddDate(50, 0, 0)
	y := now.UTC().Year()/100*100 + t.Year()%100
	c := time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	if c.After(limit) {
		return c.AddDate(-100, 0, 0)
	}
	if next := c.AddDate(100, 0, 0); !next.After(limit) {
		return next
	}
	return c
}
