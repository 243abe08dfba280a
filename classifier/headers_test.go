package classifier

import (
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type waitResult struct {
	D  time.Duration
	OK bool
}

// retryAfterMsCases seed FuzzParseRetryAfterMs.
var retryAfterMsCases = []struct {
	give string
	want waitResult
}{
	{"1500", waitResult{1500 * time.Millisecond, true}},
	{"0", waitResult{0, true}},
	{" 20 ", waitResult{20 * time.Millisecond, true}},
	{"20.5", waitResult{20*time.Millisecond + 500*time.Microsecond, true}},
	{"0.000001", waitResult{1, true}},
	{"0.0000019", waitResult{1, true}}, // below a nanosecond is dropped
	{"9223372036854", waitResult{9223372036854 * time.Millisecond, true}},
	{"9223372036854.775807", waitResult{maxDuration, true}},
	{"9223372036854.775808", waitResult{maxDuration, true}},
	{"9223372036855", waitResult{maxDuration, true}},
	{"99999999999999999999999999", waitResult{maxDuration, true}},
	{"", waitResult{}},
	{"-1", waitResult{}},
	{"+1", waitResult{}},
	{"1e3", waitResult{}},
	{"NaN", waitResult{}},
	{"Inf", waitResult{}},
	{".5", waitResult{}},
	{"5.", waitResult{}},
	{"1.2.3", waitResult{}},
	{"1 2", waitResult{}},
	{"0x10", waitResult{}},
}

func TestParseRetryAfterMs(t *testing.T) {
	for _, tt := range retryAfterMsCases {
		t.Run(tt.give, func(t *testing.T) {
			d, ok := parseRetryAfterMs(tt.give)
			if diff := cmp.Diff(tt.want, waitResult{d, ok}); diff != "" {
				t.Errorf("parseRetryAfterMs(%q) mismatch (-want +got):\n%s", tt.give, diff)
			}
		})
	}
}

// FuzzParseRetryAfterMs checks parseRetryAfterMs against exact
// arithmetic: the value in nanoseconds, truncated, saturated at the
// largest Duration.
func FuzzParseRetryAfterMs(f *testing.F) {
	for _, tt := range retryAfterMsCases {
		f.Add(tt.give)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfterMs(s)
		if d < 0 || !ok && d != 0 {
			t.Fatalf("parseRetryAfterMs(%q) = %v, %v", s, d, ok)
		}
		if !ok {
			return
		}
		v := strings.Trim(s, " \t")
		r, good := new(big.Rat).SetString(v)
		if !good {
			t.Fatalf("parseRetryAfterMs(%q) accepted what is not a number", s)
		}
		ns := new(big.Int).Quo(new(big.Rat).Mul(r, big.NewRat(1e6, 1)).Num(), new(big.Rat).Mul(r, big.NewRat(1e6, 1)).Denom())
		if ns.Cmp(big.NewInt(int64(maxDuration))) > 0 {
			ns = big.NewInt(int64(maxDuration))
		}
		if ns.Int64() != int64(d) {
			t.Fatalf("parseRetryAfterMs(%q) = %d ns, want %v ns", s, int64(d), ns)
		}
	})
}

var headerNow = time.Date(2026, time.May, 1, 12, 0, 0, 0, time.UTC)

// retryAfterHeaderCases seed FuzzRetryAfterHeader: field values for
// Retry-After-Ms, Retry-After and Date.
var retryAfterHeaderCases = []struct {
	name            string
	ms, after, date string
	lower           bool // the map has lower-case keys
	want            waitResult
}{
	{name: "none", want: waitResult{}},
	{name: "ms first", ms: "250", after: "3", want: waitResult{250 * time.Millisecond, true}},
	{name: "ms alone", ms: "1000.25", want: waitResult{1000*time.Millisecond + 250*time.Microsecond, true}},
	{name: "lower-case keys", ms: "40", after: "3", lower: true, want: waitResult{40 * time.Millisecond, true}},
	{name: "bad ms falls back", ms: "-5", after: "3", want: waitResult{3 * time.Second, true}},
	{name: "seconds", after: "120", want: waitResult{2 * time.Minute, true}},
	{name: "date against now", after: "Fri, 01 May 2026 12:00:30 GMT", want: waitResult{30 * time.Second, true}},
	{name: "date against the server's Date", after: "Fri, 01 May 2026 12:00:30 GMT", date: "Fri, 01 May 2026 11:59:50 GMT", want: waitResult{40 * time.Second, true}},
	{name: "bad Date ignored", after: "Fri, 01 May 2026 12:00:30 GMT", date: "yesterday", want: waitResult{30 * time.Second, true}},
	{name: "date past", after: "Fri, 01 May 2026 11:00:00 GMT", want: waitResult{0, true}},
	{name: "huge seconds saturate", after: "99999999999999999999", want: waitResult{maxDuration, true}},
	{name: "huge ms saturate", ms: "99999999999999999999", want: waitResult{maxDuration, true}},
	{name: "malformed", after: "soon", want: waitResult{}},
}

// headerOf returns a header with the given Retry-After-Ms, Retry-After
// and Date (each left out when empty), under canonical or lower-case keys.
func headerOf(ms, after, date string, lower bool) http.Header {
	h := http.Header{}
	for _, f := range [][2]string{{"Retry-After-Ms", ms}, {"Retry-After", after}, {"Date", date}} {
		switch {
		case f[1] == "":
		case lower:
			h[strings.ToLower(f[0])] = []string{f[1]}
		default:
			h.Set(f[0], f[1])
		}
	}
	return h
}

func TestRetryAfterHeader(t *testing.T) {
	for _, tt := range retryAfterHeaderCases {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := RetryAfterHeader(headerOf(tt.ms, tt.after, tt.date, tt.lower), headerNow)
			if diff := cmp.Diff(tt.want, waitResult{d, ok}); diff != "" {
				t.Errorf("RetryAfterHeader mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzRetryAfterHeader(f *testing.F) {
	for _, tt := range retryAfterHeaderCases {
		f.Add(tt.ms, tt.after, tt.date, tt.lower, headerNow.Unix())
	}
	f.Fuzz(func(t *testing.T, ms, after, date string, lower bool, nowUnix int64) {
		d, ok := RetryAfterHeader(headerOf(ms, after, date, lower), time.Unix(nowUnix, 0))
		if d < 0 || !ok && d != 0 {
			t.Fatalf("RetryAfterHeader(ms %q, after %q, date %q) = %v, %v", ms, after, date, d, ok)
		}
		if msd, msOK := parseRetryAfterMs(ms); msOK && (d != msd || !ok) {
			t.Fatalf("RetryAfterHeader(ms %q) = %v, %v; want Retry-After-Ms's %v first", ms, d, ok, msd)
		}
	})
}
