package classifier

import (
	"strings"
	"time"
)

// maxDuration is the largest time.Duration, about 292 years.
const maxDuration = time.Duration(1<<63 - 1)

// maxSeconds is the largest number of whole seconds a Duration holds.
const maxSeconds = int64(maxDuration / time.Second)

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
// An HTTP-date must match one of the three forms of RFC 9110 §5.6.7
// exactly: day and month names with the grammar's case ("Sun", "Nov",
// not "sun" or "NOV"), two-digit hour, minute and second, no fractional
// seconds, no extra whitespace, and the literal "GMT" where the form has
// it. The asctime day is two digits or a space and a digit ("Nov  6" or
// "Nov 06", not "Nov 6"). The date must exist (no 31 Nov, no 29 Feb in a
// common year). Second 60, a leap second, is accepted and read as one
// second after second 59. The day name is not checked against the date:
// "Mon, 06 Nov 1994 08:49:37 GMT" is accepted although that day was a
// Sunday, since the date alone says when to retry and rejecting it would
// only throw away the server's answer.
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
	// Time.Sub saturates, so a date centuries away gives maxDuration.
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

// The names of RFC 9110 §5.6.7, which are case-sensitive (%s"Mon").
var (
	dayNames     = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	longDayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	monthNames   = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// The lengths of the fixed-width parts of the HTTP-date forms.
const (
	imfFixdateLen  = len("Sun, 06 Nov 1994 08:49:37 GMT")
	rfc850TailLen  = len(", 06-Nov-94 08:49:37 GMT") // after day-name-l
	asctimeDateLen = len("Sun Nov  6 08:49:37 1994")
)

// dateTime holds the fields of an HTTP-date as written. The year of an
// RFC 850 date is its two digits until recentCentury resolves it.
type dateTime struct {
	year, day, hour, min, sec int
	month                     time.Month
}

// parseHTTPDate parses an HTTP-date (RFC 9110 §5.6.7) in any of its three
// forms. It does not use time.Parse, which is laxer than the grammar: it
// matches names in any case, takes one-digit hours, takes fractional
// seconds after '.' or ',', and rejects the leap second 60.
func parseHTTPDate(v string, now time.Time) (time.Time, bool) {
	var (
		d  dateTime
		ok bool
	)
	switch {
	case len(v) == imfFixdateLen && v[3] == ',':
		d, ok = parseIMFFixdate(v)
	case len(v) == asctimeDateLen && v[3] == ' ':
		d, ok = parseAsctimeDate(v)
	default:
		if d, ok = parseRFC850Date(v); ok {
			d.year = recentCentury(d, now)
		}
	}
	if !ok || d.day < 1 || d.day > daysIn(d.month, d.year) {
		return time.Time{}, false
	}
	// time.Date normalizes second 60 to second 0 of the next minute.
	return time.Date(d.year, d.month, d.day, d.hour, d.min, d.sec, 0, time.UTC), true
}

// parseIMFFixdate parses
//
//	IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
//	date1       = day SP month SP year ; day = 2DIGIT, year = 4DIGIT
//
// as in "Sun, 06 Nov 1994 08:49:37 GMT". The caller has checked the length.
func parseIMFFixdate(v string) (dateTime, bool) {
	var d dateTime
	ok := indexOf(dayNames, v[0:3]) >= 0 &&
		v[3:5] == ", " &&
		twoDigits(v[5:7], &d.day) &&
		v[7] == ' ' &&
		parseMonth(v[8:11], &d.month) &&
		v[11] == ' ' &&
		fourDigits(v[12:16], &d.year) &&
		v[16] == ' ' &&
		parseTimeOfDay(v[17:25], &d) &&
		v[25:29] == " GMT"
	return d, ok
}

// parseRFC850Date parses
//
//	rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT
//	date2       = day "-" month "-" 2DIGIT
//
// as in "Sunday, 06-Nov-94 08:49:37 GMT". The year is left as two digits.
func parseRFC850Date(v string) (dateTime, bool) {
	var d dateTime
	i := strings.IndexByte(v, ',')
	if i < 0 || indexOf(longDayNames, v[:i]) < 0 || len(v)-i != rfc850TailLen {
		return d, false
	}
	v = v[i:]
	ok := v[0:2] == ", " &&
		twoDigits(v[2:4], &d.day) &&
		v[4] == '-' &&
		parseMonth(v[5:8], &d.month) &&
		v[8] == '-' &&
		twoDigits(v[9:11], &d.year) &&
		v[11] == ' ' &&
		parseTimeOfDay(v[12:20], &d) &&
		v[20:24] == " GMT"
	return d, ok
}

// parseAsctimeDate parses
//
//	asctime-date = day-name SP date3 SP time-of-day SP year
//	date3        = month SP ( 2DIGIT / ( SP DIGIT ))
//
// as in "Sun Nov  6 08:49:37 1994". The caller has checked the length.
func parseAsctimeDate(v string) (dateTime, bool) {
	var d dateTime
	ok := indexOf(dayNames, v[0:3]) >= 0 &&
		v[3] == ' ' &&
		parseMonth(v[4:7], &d.month) &&
		v[7] == ' ' &&
		(twoDigits(v[8:10], &d.day) || v[8] == ' ' && digit(v[9], &d.day)) &&
		v[10] == ' ' &&
		parseTimeOfDay(v[11:19], &d) &&
		v[19] == ' ' &&
		fourDigits(v[20:24], &d.year)
	return d, ok
}

// parseTimeOfDay parses
//
//	time-of-day = hour ":" minute ":" second ; 00:00:00 - 23:59:60
//
// with hour, minute and second each 2DIGIT, into d. Second 60 is the leap
// second RFC 9110 §5.6.7 allows.
func parseTimeOfDay(v string, d *dateTime) bool {
	return len(v) == 8 &&
		twoDigits(v[0:2], &d.hour) && d.hour <= 23 &&
		v[2] == ':' &&
		twoDigits(v[3:5], &d.min) && d.min <= 59 &&
		v[5] == ':' &&
		twoDigits(v[6:8], &d.sec) && d.sec <= 60
}

// parseMonth sets *m to the month named s, one of the case-sensitive
// names of RFC 9110 §5.6.7.
func parseMonth(s string, m *time.Month) bool {
	i := indexOf(monthNames, s)
	*m = time.Month(i + 1)
	return i >= 0
}

// indexOf returns the index of s in names, or -1.
func indexOf(names []string, s string) int {
	for i, n := range names {
		if n == s {
			return i
		}
	}
	return -1
}

// digit sets *n to the value of the ASCII digit c.
func digit(c byte, n *int) bool {
	*n = int(c) - '0'
	return '0' <= c && c <= '9'
}

// twoDigits sets *n to the value of the two ASCII digits in s.
func twoDigits(s string, n *int) bool {
	var hi, lo int
	ok := digit(s[0], &hi) && digit(s[1], &lo)
	*n = hi*10 + lo
	return ok
}

// fourDigits sets *n to the value of the four ASCII digits in s.
func fourDigits(s string, n *int) bool {
	var hi, lo int
	ok := twoDigits(s[0:2], &hi) && twoDigits(s[2:4], &lo)
	*n = hi*100 + lo
	return ok
}

// daysIn returns the number of days in month m of year y; 0 if m is not
// a month.
func daysIn(m time.Month, y int) int {
	switch m {
	case time.April, time.June, time.September, time.November:
		return 30
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.January, time.March, time.May, time.July, time.August, time.October, time.December:
		return 31
	}
	return 0
}

// recentCentury returns the full year of an RFC 850 date d, whose year
// field holds the two digits written. RFC 9110 §5.6.7: a recipient must
// interpret a timestamp that appears to be more than 50 years in the
// future as the most recent year in the past with the same last two
// digits. So of the years ending in those digits, pick the latest one
// whose date is at most 50 years after now.
func recentCentury(d dateTime, now time.Time) int {
	limit := now.AddDate(50, 0, 0)
	at := func(y int) time.Time {
		return time.Date(y, d.month, d.day, d.hour, d.min, d.sec, 0, time.UTC)
	}
	y := now.UTC().Year()/100*100 + d.year
	if at(y).After(limit) {
		return y - 100
	}
	if !at(y + 100).After(limit) {
		return y + 100
	}
	return y
}
