package retry_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// step is one failed attempt fed to Decide.
type step struct {
	class      classifier.Class
	retryAfter time.Duration
	window     retry.Window
}

func transient() step { return step{class: classifier.Transient, window: retry.NoDeadline} }

func of(c classifier.Class) step { return step{class: c, window: retry.NoDeadline} }

func TestDecideOrder(t *testing.T) {
	second := backoff.Constant(time.Second)
	tests := []struct {
		name  string
		give  []retry.Option
		steps []step
		want  []retry.Decision
	}{
		{
			name:  "rule 2: per-class cap of 0 never retries that class",
			give:  []retry.Option{retry.WithBackoff(second), retry.WithMaxAttemptsFor(classifier.Concurrency, 0)},
			steps: []step{of(classifier.Concurrency)},
			want:  []retry.Decision{{Reason: retry.StopMaxAttemptsForClass}},
		},
		{
			name:  "rule 2: per-class cap counts only that class",
			give:  []retry.Option{retry.WithBackoff(second), retry.WithMaxAttemptsFor(classifier.Concurrency, 1)},
			steps: []step{of(classifier.Concurrency), transient(), of(classifier.Concurrency)},
			want: []retry.Decision{
				{Retry: true, Delay: time.Second},
				{Retry: true, Delay: time.Second},
				{Reason: retry.StopMaxAttemptsForClass},
			},
		},
		{
			name:  "rule 2 comes before rule 3",
			give:  []retry.Option{retry.WithMaxAttemptsFor(classifier.Permanent, 0)},
			steps: []step{of(classifier.Permanent)},
			want:  []retry.Decision{{Reason: retry.StopMaxAttemptsForClass}},
		},
		{
			name:  "rule 3: PERMANENT",
			steps: []step{of(classifier.Permanent)},
			want:  []retry.Decision{{Reason: retry.StopNonRetryable}},
		},
		{
			name:  "rule 3: AUTH",
			steps: []step{of(classifier.Auth)},
			want:  []retry.Decision{{Reason: retry.StopNonRetryable}},
		},
		{
			name:  "rule 3: PERMISSION",
			steps: []step{of(classifier.Permission)},
			want:  []retry.Decision{{Reason: retry.StopNonRetryable}},
		},
		{
			name:  "rule 4: UNKNOWN failures beyond the cap",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{of(classifier.Unknown), of(classifier.Unknown), of(classifier.Unknown)},
			want: []retry.Decision{
				{Retry: true, Delay: time.Second},
				{Retry: true, Delay: time.Second},
				{Reason: retry.StopMaxUnknownAttempts},
			},
		},
		{
			name:  "rule 4: a cap of 0 stops the first UNKNOWN failure",
			give:  []retry.Option{retry.WithMaxUnknownAttempts(0)},
			steps: []step{of(classifier.Unknown)},
			want:  []retry.Decision{{Reason: retry.StopMaxUnknownAttempts}},
		},
		{
			name:  "an invalid class counts as UNKNOWN",
			give:  []retry.Option{retry.WithMaxUnknownAttempts(0)},
			steps: []step{of(classifier.Class(200))},
			want:  []retry.Decision{{Reason: retry.StopMaxUnknownAttempts}},
		},
		{
			name:  "rule 5: the n-th attempt of n stops with no delay computed",
			give:  []retry.Option{retry.WithMaxAttempts(3), retry.WithBackoff(second)},
			steps: []step{transient(), transient(), transient()},
			want: []retry.Decision{
				{Retry: true, Delay: time.Second},
				{Retry: true, Delay: time.Second},
				{Reason: retry.StopMaxAttempts},
			},
		},
		{
			name:  "rule 5: one attempt means never retry",
			give:  []retry.Option{retry.WithMaxAttempts(1)},
			steps: []step{transient()},
			want:  []retry.Decision{{Reason: retry.StopMaxAttempts}},
		},
		{
			name:  "rule 4 comes before rule 5",
			give:  []retry.Option{retry.WithMaxAttempts(1), retry.WithMaxUnknownAttempts(0)},
			steps: []step{of(classifier.Unknown)},
			want:  []retry.Decision{{Reason: retry.StopMaxUnknownAttempts}},
		},
		{
			name:  "rule 6: no default strategy",
			give:  []retry.Option{retry.WithoutDefaultBackoff(), retry.WithBackoffFor(classifier.ServerError, second)},
			steps: []step{of(classifier.ServerError), transient()},
			want:  []retry.Decision{{Retry: true, Delay: time.Second}, {Reason: retry.StopNoStrategy}},
		},
		{
			name:  "rule 5 comes before rule 6",
			give:  []retry.Option{retry.WithoutDefaultBackoff(), retry.WithMaxAttempts(1)},
			steps: []step{transient()},
			want:  []retry.Decision{{Reason: retry.StopMaxAttempts}},
		},
		{
			name:  "a later WithBackoff restores a default strategy",
			give:  []retry.Option{retry.WithoutDefaultBackoff(), retry.WithBackoff(second)},
			steps: []step{transient()},
			want:  []retry.Decision{{Retry: true, Delay: time.Second}},
		},
		{
			name:  "rule 7: a negative delay is 0",
			give:  []retry.Option{retry.WithBackoff(backoff.Func(func(backoff.Input) time.Duration { return -time.Hour }))},
			steps: []step{transient()},
			want:  []retry.Decision{{Retry: true}},
		},
		{
			name:  "rule 7: per-class strategy",
			give:  []retry.Option{retry.WithBackoff(second), retry.WithBackoffFor(classifier.ServerError, backoff.Constant(3*time.Second))},
			steps: []step{of(classifier.ServerError), transient()},
			want:  []retry.Decision{{Retry: true, Delay: 3 * time.Second}, {Retry: true, Delay: time.Second}},
		},
		{
			name:  "rule 8: a delay that ends at the deadline is not slept",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{{class: classifier.Transient, window: retry.Window{Deadline: time.Second, Caller: retry.Forever}}},
			want:  []retry.Decision{{Delay: time.Second, Reason: retry.StopDeadline}},
		},
		{
			name:  "rule 8: a delay that ends just before the deadline is slept",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{{class: classifier.Transient, window: retry.Window{Deadline: time.Second + 1, Caller: retry.Forever}}},
			want:  []retry.Decision{{Retry: true, Delay: time.Second}},
		},
		{
			name:  "rule 8: a delay that ends exactly at the caller's deadline is slept",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{{class: classifier.Transient, window: retry.Window{Deadline: retry.Forever, Caller: time.Second}}},
			want:  []retry.Decision{{Retry: true, Delay: time.Second}},
		},
		{
			name:  "rule 8: a delay that ends after the caller's deadline is not slept",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{{class: classifier.Transient, window: retry.Window{Deadline: retry.Forever, Caller: time.Second - 1}}},
			want:  []retry.Decision{{Delay: time.Second, Reason: retry.StopDeadline}},
		},
		{
			name:  "rule 8: a deadline already passed",
			give:  []retry.Option{retry.WithBackoff(backoff.Constant(0))},
			steps: []step{{class: classifier.Transient, window: retry.Window{Deadline: -time.Second, Caller: retry.Forever}}},
			want:  []retry.Decision{{Reason: retry.StopDeadline}},
		},
		{
			name:  "RATE_LIMIT honours Retry-After by default",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{{class: classifier.RateLimit, retryAfter: 7 * time.Second, window: retry.NoDeadline}},
			// RetryAfterOr adds at most RetryAfterJitter; checked below.
			want: []retry.Decision{{Retry: true, Delay: 7 * time.Second}},
		},
		{
			name:  "RATE_LIMIT without Retry-After falls back to the backoff",
			give:  []retry.Option{retry.WithBackoff(second)},
			steps: []step{of(classifier.RateLimit)},
			want:  []retry.Decision{{Retry: true, Delay: time.Second}},
		},
		{
			name:  "a hostile Retry-After is capped",
			give:  []retry.Option{retry.WithBackoff(second), retry.WithMaxRetryAfter(10 * time.Second)},
			steps: []step{{class: classifier.RateLimit, retryAfter: 1000 * time.Hour, window: retry.NoDeadline}},
			want:  []retry.Decision{{Retry: true, Delay: 10 * time.Second}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := retry.New(tt.give...)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			var tr retry.Tracker
			var got []retry.Decision
			for i, s := range tt.steps {
				d := p.Decide(&tr, i+1, classifier.Classification{Class: s.class, RetryAfter: s.retryAfter}, s.window)
				if s.retryAfter > 0 && d.Retry {
					// Take off the Retry-After jitter, after checking its bound.
					over := d.Delay - tt.want[i].Delay
					if over < 0 || over > backoff.RetryAfterJitter {
						t.Errorf("step %d: delay %v is not within jitter of %v", i, d.Delay, tt.want[i].Delay)
					}
					d.Delay = tt.want[i].Delay
				}
				got = append(got, d)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecidePassesInput(t *testing.T) {
	var got []backoff.Input
	s := backoff.Func(func(in backoff.Input) time.Duration {
		got = append(got, in)
		return time.Duration(in.Attempt) * time.Second
	})
	p, err := retry.New(retry.WithBackoff(s))
	if err != nil {
		t.Fatal(err)
	}
	var tr retry.Tracker
	c := classifier.Classification{Class: classifier.ServerError}
	p.Decide(&tr, 1, c, retry.Window{Deadline: time.Minute, Caller: retry.Forever})
	p.Decide(&tr, 2, c, retry.Window{Deadline: retry.Forever, Caller: 30 * time.Second})
	want := []backoff.Input{
		{Attempt: 1, Classification: c, Remaining: time.Minute},
		{Attempt: 2, Classification: c, Prev: time.Second, Remaining: 30 * time.Second},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
}

func TestDefaults(t *testing.T) {
	p, err := retry.New()
	if err != nil {
		t.Fatal(err)
	}
	if got := p.MaxAttempts(); got != 6 {
		t.Errorf("MaxAttempts() = %d, want 6", got)
	}
	if p.Deferred() {
		t.Error("Deferred() = true, want false")
	}
	var tr retry.Tracker
	for n := 1; n <= 5; n++ {
		d := p.Decide(&tr, n, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline)
		if !d.Retry || d.Delay < 250*time.Millisecond || d.Delay > 5*time.Second {
			t.Fatalf("attempt %d: %+v, want a retry after a delay in [250ms, 5s]", n, d)
		}
	}
	if d := p.Decide(&tr, 6, classifier.Classification{Class: classifier.Transient}, retry.NoDeadline); d.Reason != retry.StopMaxAttempts {
		t.Errorf("attempt 6: %+v, want MAX_ATTEMPTS_GLOBAL", d)
	}
	// The default cap on Retry-After is five minutes.
	tr = retry.Tracker{}
	d := p.Decide(&tr, 1, classifier.Classification{Class: classifier.RateLimit, RetryAfter: time.Hour}, retry.NoDeadline)
	if d.Delay < 5*time.Minute || d.Delay > 5*time.Minute+backoff.RetryAfterJitter {
		t.Errorf("Retry-After of an hour gave %v, want 5m plus at most the jitter", d.Delay)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		give retry.Option
		want string
	}{
		{"zero attempts", retry.WithMaxAttempts(0), "retry.WithMaxAttempts: must be at least 1, got 0"},
		{"negative attempts", retry.WithMaxAttempts(-1), "retry.WithMaxAttempts: must be at least 1, got -1"},
		{"negative unknown", retry.WithMaxUnknownAttempts(-1), "retry.WithMaxUnknownAttempts: must not be negative, got -1"},
		{"negative class cap", retry.WithMaxAttemptsFor(classifier.Transient, -2), "retry.WithMaxAttemptsFor: TRANSIENT: must not be negative, got -2"},
		{"invalid class cap", retry.WithMaxAttemptsFor(classifier.Class(99), 1), "retry.WithMaxAttemptsFor: unknown class Class(99)"},
		{"nil backoff", retry.WithBackoff(nil), "retry.WithBackoff: strategy is nil"},
		{"nil class backoff", retry.WithBackoffFor(classifier.RateLimit, nil), "retry.WithBackoffFor: RATE_LIMIT: strategy is nil"},
		{"invalid class backoff", retry.WithBackoffFor(classifier.Class(8), backoff.Constant(0)), "retry.WithBackoffFor: unknown class Class(8)"},
		{"zero Retry-After cap", retry.WithMaxRetryAfter(0), "retry.WithMaxRetryAfter: must be positive, got 0s"},
		{"nil option", nil, "retry.Option: option is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := retry.New(tt.give)
			if p != nil {
				t.Error("New returned a policy with an error")
			}
			if !errors.Is(err, retry.ErrInvalidConfig) {
				t.Errorf("New error %v does not wrap ErrInvalidConfig", err)
			}
			if err == nil || err.Error() != tt.want {
				t.Errorf("New error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNewReportsEveryBadOption(t *testing.T) {
	_, err := retry.New(retry.WithMaxAttempts(0), retry.WithBackoff(nil))
	want := "retry.WithMaxAttempts: must be at least 1, got 0\nretry.WithBackoff: strategy is nil"
	if err == nil || err.Error() != want {
		t.Errorf("New error = %v, want %q", err, want)
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	p, err := retry.New(retry.WithBackoff(backoff.Constant(time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	dflt, err := retry.New()
	if err != nil {
		t.Fatal(err)
	}
	c := classifier.Classification{Class: classifier.Transient}
	limited := classifier.Classification{Class: classifier.ServerError, RetryAfter: time.Second}
	allocs := testing.AllocsPerRun(100, func() {
		var tr retry.Tracker
		p.Decide(&tr, 1, c, retry.NoDeadline)
		dflt.Decide(&tr, 2, limited, retry.NoDeadline)
		dflt.Decide(&tr, 3, c, retry.NoDeadline)
	})
	if allocs != 0 {
		t.Errorf("Decide allocates %v times, want 0", allocs)
	}
}

func TestTrackerLimitAttempts(t *testing.T) {
	calls := 0
	s := backoff.Func(func(backoff.Input) time.Duration { calls++; return time.Second })
	p, err := retry.New(retry.WithBackoff(s), retry.WithMaxAttempts(5))
	if err != nil {
		t.Fatal(err)
	}
	c := classifier.Classification{Class: classifier.Transient}
	var tr retry.Tracker
	tr.LimitAttempts(2)
	got := []retry.Decision{p.Decide(&tr, 1, c, retry.NoDeadline), p.Decide(&tr, 2, c, retry.NoDeadline)}
	want := []retry.Decision{{Retry: true, Delay: time.Second}, {Reason: retry.StopMaxAttempts}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	if calls != 1 {
		t.Errorf("strategy asked %d times, want 1: no delay for the retry that will not happen", calls)
	}
	// A limit above the policy's changes nothing; below 1 means 1.
	tr = retry.Tracker{}
	tr.LimitAttempts(0)
	if d := p.Decide(&tr, 1, c, retry.NoDeadline); d.Reason != retry.StopMaxAttempts {
		t.Errorf("LimitAttempts(0): %+v, want MAX_ATTEMPTS_GLOBAL at attempt 1", d)
	}
}
