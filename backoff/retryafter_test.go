package backoff

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// retryAfterCase is one row of RetryAfterOr's table: a Retry-After (0 for
// none) over an Exponential(base, max) fallback, and the closed interval
// every delay must fall in. The same rows seed FuzzRetryAfterOr.
type retryAfterCase struct {
	name       string
	retryAfter time.Duration
	base       time.Duration
	max        time.Duration
	attempt    int
	wantLo     time.Duration
	wantHi     time.Duration
}

var retryAfterCases = []retryAfterCase{
	{name: "retry-after plus jitter", retryAfter: 2 * time.Second, base: 100 * ms, max: time.Second, attempt: 1, wantLo: 2 * time.Second, wantHi: 2*time.Second + RetryAfterJitter},
	{name: "retry-after shorter than fallback", retryAfter: ms, base: time.Minute, max: time.Minute, attempt: 1, wantLo: ms, wantHi: ms + RetryAfterJitter},
	{name: "1ns retry-after", retryAfter: 1, base: 100 * ms, max: time.Second, attempt: 3, wantLo: 1, wantHi: 1 + RetryAfterJitter},
	{name: "largest retry-after saturates", retryAfter: maxDuration, base: 100 * ms, max: time.Second, attempt: 1, wantLo: maxDuration, wantHi: maxDuration},
	{name: "near largest retry-after", retryAfter: maxDuration - ms, base: 100 * ms, max: time.Second, attempt: 1, wantLo: maxDuration - ms, wantHi: maxDuration},
	{name: "no retry-after uses fallback", retryAfter: 0, base: 100 * ms, max: time.Second, attempt: 3, wantLo: 400 * ms, wantHi: 400 * ms},
	{name: "negative retry-after uses fallback", retryAfter: -time.Second, base: 100 * ms, max: time.Second, attempt: 4, wantLo: 800 * ms, wantHi: 800 * ms},
}

func TestRetryAfterOr(t *testing.T) {
	for _, tt := range retryAfterCases {
		t.Run(tt.name, func(t *testing.T) {
			s := RetryAfterOr(Exponential(tt.base, tt.max), WithSeed(1))
			in := Input{Attempt: tt.attempt, Classification: retryAfter(tt.retryAfter)}
			checkBounds(t, s, in, tt.wantLo, tt.wantHi)
		})
	}
}

func TestRetryAfterOrPassesInputToFallback(t *testing.T) {
	var got Input
	s := RetryAfterOr(Func(func(in Input) time.Duration {
		got = in
		return -time.Second
	}))
	want := Input{Attempt: 3, Prev: time.Second, Remaining: time.Minute}
	if diff := cmp.Diff(-time.Second, s.Delay(want)); diff != "" {
		t.Errorf("Delay() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fallback's Input mismatch (-want +got):\n%s", diff)
	}
}

func TestCapped(t *testing.T) {
	tests := []struct {
		name    string
		give    time.Duration // what the wrapped strategy returns
		giveMax time.Duration
		want    time.Duration
	}{
		{name: "below max", give: time.Second, giveMax: time.Minute, want: time.Second},
		{name: "at max", give: time.Minute, giveMax: time.Minute, want: time.Minute},
		{name: "above max", give: time.Hour, giveMax: time.Minute, want: time.Minute},
		{name: "largest", give: maxDuration, giveMax: time.Minute, want: time.Minute},
		{name: "negative becomes 0", give: -time.Second, giveMax: time.Minute, want: 0},
		{name: "negative max counts as 0", give: time.Second, giveMax: -time.Minute, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Capped(Func(func(Input) time.Duration { return tt.give }), tt.giveMax)
			if diff := cmp.Diff(tt.want, s.Delay(Input{Attempt: 1})); diff != "" {
				t.Errorf("Delay() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNilStrategyPanics(t *testing.T) {
	tests := []struct {
		name string
		give func()
		want string
	}{
		{name: "RetryAfterOr", give: func() { RetryAfterOr(nil) }, want: "backoff: RetryAfterOr with a nil fallback"},
		{name: "Capped", give: func() { Capped(nil, time.Second) }, want: "backoff: Capped with a nil strategy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if diff := cmp.Diff(tt.want, recover()); diff != "" {
					t.Errorf("panic mismatch (-want +got):\n%s", diff)
				}
			}()
			tt.give()
		})
	}
}

func TestDelaySource(t *testing.T) {
	server := Input{Attempt: 2, Classification: retryAfter(time.Second)}
	own := Input{Attempt: 2}
	nested := RetryAfterOr(RetryAfterOr(Constant(ms)))
	tests := []struct {
		name       string
		s          Strategy
		in         Input
		wantLo     time.Duration
		wantHi     time.Duration
		fromServer bool
	}{
		{"RetryAfterOr with a Retry-After", RetryAfterOr(Constant(ms)), server, time.Second, time.Second + RetryAfterJitter, true},
		{"RetryAfterOr without", RetryAfterOr(Constant(ms)), own, ms, ms, false},
		{"nested", nested, server, time.Second, time.Second + RetryAfterJitter, true},
		{"Capped passes it on", Capped(RetryAfterOr(Constant(ms)), 2*time.Second), server, time.Second, time.Second + RetryAfterJitter, true},
		{"Capped caps a server's wait too", Capped(RetryAfterOr(Constant(ms)), 10*ms), server, 10 * ms, 10 * ms, true},
		{"Capped own", Capped(RetryAfterOr(Constant(ms)), 2*time.Second), own, ms, ms, false},
		{"not ServerAware: its own", Func(func(in Input) time.Duration { return in.Classification.RetryAfter }), server, time.Second, time.Second, false},
		{"Constant ignores Retry-After", Constant(ms), server, ms, ms, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, fromServer := DelaySource(tt.s, tt.in)
			if d < tt.wantLo || d > tt.wantHi || fromServer != tt.fromServer {
				t.Errorf("DelaySource = %v, %v; want in [%v, %v], %v", d, fromServer, tt.wantLo, tt.wantHi, tt.fromServer)
			}
		})
	}
}
