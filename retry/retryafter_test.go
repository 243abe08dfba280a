package retry_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// TestRetryAfterDoesNotBecomePrev is the regression test for a wait set
// by a server's Retry-After becoming the previous delay that
// decorrelated jitter grows from, so that one 429 inflated every backoff
// after it. The strategy's own previous delay drives it.
func TestRetryAfterDoesNotBecomePrev(t *testing.T) {
	var prevs []time.Duration
	grow := backoff.Func(func(in backoff.Input) time.Duration {
		prevs = append(prevs, in.Prev)
		return in.Prev + 100*time.Millisecond
	})
	p, err := retry.New(retry.WithBackoff(grow), retry.WithMaxAttempts(10))
	if err != nil {
		t.Fatal(err)
	}
	var tr retry.Tracker
	steps := []classifier.Classification{
		{Class: classifier.ServerError},
		{Class: classifier.RateLimit, RetryAfter: 20 * time.Second},
		{Class: classifier.ServerError},
		{Class: classifier.ServerError, RetryAfter: 30 * time.Second},
		{Class: classifier.Transient},
	}
	var delays []time.Duration
	for i, c := range steps {
		d := p.Decide(&tr, i+1, c, retry.NoDeadline)
		delays = append(delays, d.Delay.Truncate(time.Second))
	}
	// The server's waits (20 s and 30 s, plus under half a second of
	// jitter) leave the strategy's own 100, 200, 300 ms progression alone.
	wantDelays := []time.Duration{0, 20 * time.Second, 0, 30 * time.Second, 0}
	if diff := cmp.Diff(wantDelays, delays); diff != "" {
		t.Errorf("delays, truncated to seconds (-want +got):\n%s", diff)
	}
	wantPrevs := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}
	if diff := cmp.Diff(wantPrevs, prevs); diff != "" {
		t.Errorf("Input.Prev the strategy saw (-want +got):\n%s", diff)
	}
}

// TestRetryAfterDoesNotInflateDecorrelatedJitter replays the report: a
// 1 s Retry-After, then SERVER_ERROR failures, on a seeded decorrelated
// jitter. The delays after the 429 are exactly those the strategy gives
// when grown from its own previous delay.
func TestRetryAfterDoesNotInflateDecorrelatedJitter(t *testing.T) {
	const base, maxDelay, seed = 250 * time.Millisecond, 5 * time.Second, 7
	p, err := retry.New(retry.WithBackoff(backoff.DecorrelatedJitter(base, maxDelay, backoff.WithSeed(seed))))
	if err != nil {
		t.Fatal(err)
	}
	var tr retry.Tracker
	got := []time.Duration{
		p.Decide(&tr, 1, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline).Delay,
	}
	p.Decide(&tr, 2, classifier.Classification{Class: classifier.RateLimit, RetryAfter: time.Second}, retry.NoDeadline)
	got = append(got,
		p.Decide(&tr, 3, classifier.Classification{Class: classifier.ServerError}, retry.NoDeadline).Delay,
		p.Decide(&tr, 4, classifier.Classification{Class: classifier.ServerError}, retry.NoDeadline).Delay)

	// The same seeded strategy, asked directly with its own delays as Prev.
	ref := backoff.DecorrelatedJitter(base, maxDelay, backoff.WithSeed(seed))
	var want []time.Duration
	var prev time.Duration
	for range 3 {
		prev = ref.Delay(backoff.Input{Attempt: 1, Prev: prev})
		want = append(want, prev)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delays around a 1s Retry-After (-want +got):\n%s", diff)
	}
}

func TestServerErrorHonoursRetryAfter(t *testing.T) {
	second := backoff.Constant(time.Second)
	tests := []struct {
		name   string
		give   []retry.Option
		c      classifier.Classification
		wantLo time.Duration
		wantHi time.Duration
	}{
		{"503 with Retry-After waits as asked", []retry.Option{retry.WithBackoff(second)},
			classifier.Classification{Class: classifier.ServerError, RetryAfter: 7 * time.Second}, 7 * time.Second, 7*time.Second + backoff.RetryAfterJitter},
		{"503 without Retry-After backs off", []retry.Option{retry.WithBackoff(second)},
			classifier.Classification{Class: classifier.ServerError}, time.Second, time.Second},
		{"capped", []retry.Option{retry.WithBackoff(second), retry.WithMaxRetryAfter(3 * time.Second)},
			classifier.Classification{Class: classifier.ServerError, RetryAfter: time.Hour}, 3 * time.Second, 3*time.Second + backoff.RetryAfterJitter},
		{"default cap", nil,
			classifier.Classification{Class: classifier.ServerError, RetryAfter: time.Hour}, 5 * time.Minute, 5*time.Minute + backoff.RetryAfterJitter},
		{"a strategy of its own decides", []retry.Option{retry.WithBackoffFor(classifier.ServerError, second)},
			classifier.Classification{Class: classifier.ServerError, RetryAfter: 7 * time.Second}, time.Second, time.Second},
		{"other classes ignore it", []retry.Option{retry.WithBackoff(second)},
			classifier.Classification{Class: classifier.Transient, RetryAfter: 7 * time.Second}, time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := retry.New(tt.give...)
			if err != nil {
				t.Fatal(err)
			}
			var tr retry.Tracker
			d := p.Decide(&tr, 1, tt.c, retry.NoDeadline)
			if !d.Retry || d.Delay < tt.wantLo || d.Delay > tt.wantHi {
				t.Errorf("Decide = %+v, want a retry after [%v, %v]", d, tt.wantLo, tt.wantHi)
			}
		})
	}
}

func TestMaxRetryAfter(t *testing.T) {
	tests := []struct {
		give []retry.Option
		want time.Duration
	}{
		{nil, retry.DefaultMaxRetryAfter},
		{[]retry.Option{retry.WithMaxRetryAfter(time.Minute)}, time.Minute},
		{[]retry.Option{retry.WithMaxRetryAfter(time.Minute), retry.WithMaxRetryAfter(time.Second)}, time.Second},
	}
	for _, tt := range tests {
		p, err := retry.New(tt.give...)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MaxRetryAfter(); got != tt.want {
			t.Errorf("MaxRetryAfter() = %v, want %v", got, tt.want)
		}
	}
}

// TestHostileHeadersAreCapped feeds Decide what classifier.HTTPResponse
// makes of hostile Retry-After-Ms and Retry-After values: the wait never
// exceeds the policy's cap plus the jitter.
func TestHostileHeadersAreCapped(t *testing.T) {
	p, err := retry.New(retry.WithMaxRetryAfter(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []map[string][]string{
		{"Retry-After-Ms": {"99999999999999999999999"}},
		{"Retry-After-Ms": {"9223372036854.775807"}},
		{"Retry-After": {"99999999999"}},
		{"Retry-After": {"Fri, 31 Dec 9999 23:59:59 GMT"}},
		{"retry-after-ms": {"-1"}, "Retry-After": {"86400"}},
	} {
		c, _ := classifier.HTTPResponse("GET", "h", 503, h, time.Unix(0, 0))
		var tr retry.Tracker
		d := p.Decide(&tr, 1, c, retry.NoDeadline)
		if !d.Retry || d.Delay < time.Minute || d.Delay > time.Minute+backoff.RetryAfterJitter {
			t.Errorf("header %v: %+v; want a retry after the 1m cap plus at most the jitter", h, d)
		}
	}
}
