package redressaws

import (
	"strconv"
	"strings"
	"time"
)

// maxMillis is the largest number of whole milliseconds a Duration holds.
const maxMillis = int64(1<<63-1) / int64(time.Millisecond)

// parseAmzRetryAfter parses an x-amz-retry-after header value: a
// non-negative decimal number of milliseconds, between optional spaces
// and tabs. The SDK's retry middleware (aws/retry/middleware.go,
// adjustForRetryAfterHeader, v1.48.0) reads the same field the same way.
// A value too large for a Duration gives the largest Duration; a sign, a
// fraction or anything else makes it malformed.
func parseAmzRetryAfter(v string) (time.Duration, bool) {
	v = strings.Trim(v, " \t")
	if v == "" {
		return 0, false
	}
	var ms int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if ms <= maxMillis {
			ms = ms*10 + int64(c-'0')
		}
	}
	if ms > maxMillis {
		return time.Duration(1<<63 - 1), true
	}
	return time.Duration(ms) * time.Millisecond, true
}

func itoa(n int) string { return strconv.Itoa(n) }
