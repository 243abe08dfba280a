package throttle_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

var start = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// formula is max(0, (requests − k·accepts) / (requests + padding)), the
// SRE book's formula ("Handling Overload") with the padding of the
// denominator as a parameter (the book's is 1).
func formula(requests, accepts int, k, padding float64) float64 {
	if requests == 0 {
		return 0
	}
	return math.Max(0, (float64(requests)-k*float64(accepts))/(float64(requests)+padding))
}

// record reports requests outcomes to th, the first accepts of them
// accepted.
func record(th *throttle.Throttle, requests, accepts int) {
	for i := range requests {
		th.Record(i < accepts)
	}
}

func TestProbabilityFollowsTheFormula(t *testing.T) {
	tests := []struct {
		name              string
		k, padding        float64
		requests, accepts int
	}{
		{"no traffic", 2, 8, 0, 0},
		{"no traffic, no padding", 2, 0, 0, 0},
		{"all accepted", 2, 8, 100, 100},
		{"half accepted, K=2: none refused", 2, 8, 100, 50},
		{"a quarter accepted", 2, 8, 100, 25},
		{"none accepted", 2, 8, 100, 0},
		{"none accepted, the book's padding", 2, 1, 100, 0},
		{"one failure, the book's padding", 2, 1, 1, 0},
		{"one failure, padding 8", 2, 8, 1, 0},
		{"one failure, no padding", 2, 0, 1, 0},
		{"K=1.5", 1.5, 8, 100, 40},
		{"K=1", 1, 8, 10, 9},
		{"large padding", 2, 1000, 100, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := throttle.New(throttle.WithK(tt.k), throttle.WithPadding(tt.padding),
				throttle.WithClock(redresstest.NewClock(start)), throttle.WithSeed(1))
			record(th, tt.requests, tt.accepts)
			want := formula(tt.requests, tt.accepts, tt.k, tt.padding)
			if got := th.Probability(); math.Abs(got-want) > 1e-12 {
				t.Errorf("Probability() = %v, want %v", got, want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	clk := redresstest.NewClock(start)
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(1))
	if err := th.Err(); err != nil {
		t.Fatalf("Err() = %v, want nil", err)
	}
	record(th, 100, 25)
	// K = 2 and a padding of 8.
	if got, want := th.Probability(), formula(100, 25, 2, 8); got != want {
		t.Errorf("Probability() = %v, want %v (K = 2, padding 8)", got, want)
	}
	// A 2-minute window: gone once 2 minutes have passed.
	clk.Advance(2*time.Minute - time.Nanosecond)
	if got := th.Probability(); got == 0 {
		t.Errorf("Probability() just before 2 minutes = 0, want the counts still in the window")
	}
	clk.Advance(time.Nanosecond)
	if got := th.Probability(); got != 0 {
		t.Errorf("Probability() after 2 minutes = %v, want 0", got)
	}
}

// TestPaddingCalmsAFreshThrottle sends 400 requests to a healthy backend
// through a fresh throttle that saw one failure first, over many seeds:
// with the book's +1 it refuses a good share of them, with the default
// padding of 8 only a few.
func TestPaddingCalmsAFreshThrottle(t *testing.T) {
	const seeds, requests = 200, 400
	refusals := func(padding float64) (mean float64) {
		total := 0
		for seed := range uint64(seeds) {
			th := throttle.New(throttle.WithPadding(padding), throttle.WithSeed(seed+1),
				throttle.WithClock(redresstest.NewClock(start)))
			th.Record(false)
			for range requests {
				if th.Allow() {
					th.Record(true)
				} else {
					total++
				}
			}
		}
		return float64(total) / seeds
	}
	book, padded := refusals(1), refusals(8)
	t.Logf("mean refusals of %d: padding 1: %.2f, padding 8: %.2f", requests, book, padded)
	if padded > 1 {
		t.Errorf("padding 8 refused %.2f of %d requests on average, want at most 1", padded, requests)
	}
	if padded >= book/2 {
		t.Errorf("padding 8 refused %.2f on average, padding 1 %.2f: want padding 8 to refuse less than half as many", padded, book)
	}
}

// TestAllowRefusesAtTheProbability checks the share refused against the
// probability, and that refused requests count as requests.
func TestAllowRefusesAtTheProbability(t *testing.T) {
	th := throttle.New(throttle.WithClock(redresstest.NewClock(start)), throttle.WithSeed(42))
	record(th, 100_000, 25_000)
	p := th.Probability() // about one half
	const n = 10_000
	refused := 0
	for range n {
		if !th.Allow() {
			refused++
		}
	}
	// The probability moves as refusals count; bound the share by the
	// probabilities at the start and the end, with a margin of 5
	// standard deviations.
	end := th.Probability()
	margin := 5 * math.Sqrt(n*p*(1-p))
	if lo, hi := p*n-margin, end*n+margin; float64(refused) < lo || float64(refused) > hi {
		t.Errorf("refused %d of %d, want from %.0f to %.0f", refused, n, lo, hi)
	}
	if want := formula(100_000+refused, 25_000, 2, 8); math.Abs(end-want) > 1e-12 {
		t.Errorf("Probability() after %d refusals = %v, want %v (each refusal a request)", refused, end, want)
	}
}

func TestAllowLetsEverythingThroughWhileTheBackendAccepts(t *testing.T) {
	th := throttle.New(throttle.WithClock(redresstest.NewClock(start)), throttle.WithSeed(7))
	record(th, 1000, 500) // exactly K = 2 requests per accept: p = 0
	for i := range 1000 {
		if !th.Allow() {
			t.Fatalf("Allow %d refused with Probability() = %v", i, th.Probability())
		}
	}
}

// TestWindowRolls checks on the fake clock that counts leave the window
// bucket by bucket: 12 buckets of 10 s for a 2-minute window.
func TestWindowRolls(t *testing.T) {
	clk := redresstest.NewClock(start)
	th := throttle.New(throttle.WithClock(clk), throttle.WithPadding(0), throttle.WithSeed(1))
	type step struct {
		advance           time.Duration // before recording
		requests, accepts int
		want              float64 // Probability after recording
	}
	steps := []step{
		{0, 10, 0, 1}, // bucket 0: 10 failures
		{10 * time.Second, 10, 10, formula(20, 10, 2, 0)}, // bucket 1: 10 accepts
		{99 * time.Second, 0, 0, formula(20, 10, 2, 0)},   // 109 s: bucket 10, both still in
		{11*time.Second - 1, 0, 0, formula(20, 10, 2, 0)}, // just before 120 s: bucket 11
		{1, 0, 0, 0},                            // 120 s: bucket 0 left, only the accepts
		{10 * time.Second, 0, 0, 0},             // 130 s: bucket 1 left, nothing
		{time.Hour, 5, 0, 1},                    // long after: a fresh window
		{-time.Hour, 1, 1, formula(6, 1, 2, 0)}, // a clock that cannot go back: no change
	}
	var got []float64
	for _, s := range steps {
		clk.Advance(s.advance)
		record(th, s.requests, s.accepts)
		got = append(got, th.Probability())
	}
	var want []float64
	for _, s := range steps {
		want = append(want, s.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Probability after each step (-want +got):\n%s", diff)
	}
}

func TestSeedMakesRefusalsReproducible(t *testing.T) {
	run := func(seed uint64) string {
		th := throttle.New(throttle.WithClock(redresstest.NewClock(start)), throttle.WithSeed(seed))
		record(th, 100, 25)
		var b strings.Builder
		for range 64 {
			if th.Allow() {
				b.WriteByte('+')
			} else {
				b.WriteByte('-')
			}
		}
		return b.String()
	}
	if a, b := run(3), run(3); a != b {
		t.Errorf("two throttles seeded 3 decided\n%s\n%s", a, b)
	}
	if a, b := run(3), run(4); a == b {
		t.Errorf("throttles seeded 3 and 4 decided the same: %s", a)
	}
}

func TestNewReportsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		give []throttle.Option
		want []string // parts of Err's text; none when valid
	}{
		{"defaults", nil, nil},
		{"every option", []throttle.Option{throttle.WithK(1), throttle.WithPadding(0), throttle.WithWindow(12), throttle.WithSeed(9), throttle.WithClock(redresstest.NewClock(start))}, nil},
		{"K below 1", []throttle.Option{throttle.WithK(0.5)}, []string{"WithK(0.5)"}},
		{"K NaN", []throttle.Option{throttle.WithK(math.NaN())}, []string{"WithK(NaN)"}},
		{"K infinite", []throttle.Option{throttle.WithK(math.Inf(1))}, []string{"WithK(+Inf)"}},
		{"negative padding", []throttle.Option{throttle.WithPadding(-1)}, []string{"WithPadding(-1)"}},
		{"padding NaN", []throttle.Option{throttle.WithPadding(math.NaN())}, []string{"WithPadding(NaN)"}},
		{"padding infinite", []throttle.Option{throttle.WithPadding(math.Inf(1))}, []string{"WithPadding(+Inf)"}},
		{"window too short", []throttle.Option{throttle.WithWindow(11)}, []string{"WithWindow(11ns)"}},
		{"negative window", []throttle.Option{throttle.WithWindow(-time.Second)}, []string{"WithWindow(-1s)"}},
		{"nil clock", []throttle.Option{throttle.WithClock(nil)}, []string{"WithClock(nil)"}},
		{"nil option", []throttle.Option{nil}, []string{"Option(nil)"}},
		{"every problem named", []throttle.Option{throttle.WithK(0), nil, throttle.WithWindow(0)}, []string{"WithK(0)", "Option(nil)", "WithWindow(0s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := throttle.New(tt.give...)
			err := th.Err()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, throttle.ErrInvalidConfig) {
				t.Fatalf("Err() = %v, want an error wrapping ErrInvalidConfig", err)
			}
			for _, part := range tt.want {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("Err() = %q, want it to name %q", err, part)
				}
			}
			// It fails closed.
			th.Record(true)
			if th.Allow() {
				t.Error("Allow() = true on an invalid throttle")
			}
			if p := th.Probability(); p != 1 {
				t.Errorf("Probability() = %v on an invalid throttle, want 1", p)
			}
		})
	}
}

func TestZeroThrottleFailsClosed(t *testing.T) {
	var th throttle.Throttle
	if !errors.Is(th.Err(), throttle.ErrInvalidConfig) {
		t.Errorf("Err() = %v, want an error wrapping ErrInvalidConfig", th.Err())
	}
	th.Record(true)
	if th.Allow() || th.Probability() != 1 {
		t.Errorf("Allow() = %v, Probability() = %v, want false and 1", th.Allow(), th.Probability())
	}
}

func TestAccepted(t *testing.T) {
	want := map[classifier.Class]bool{
		classifier.RateLimit:   false,
		classifier.ServerError: false,
		classifier.Transient:   false,
	}
	got := map[classifier.Class]bool{}
	for c := range classifier.Class(classifier.NumClasses) {
		if !throttle.Accepted(c) {
			got[c] = false
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("classes not accepted (-want +got):\n%s", diff)
	}
	if !throttle.Accepted(classifier.Permanent) {
		t.Error("Accepted(PERMANENT) = false: a 404 is the backend's answer")
	}
}

// steppedClock is a clock whose time the test sets, even backwards. Its
// timers are never used by a throttle.
type steppedClock struct{ now time.Time }

func (c *steppedClock) Now() time.Time                              { return c.now }
func (c *steppedClock) NewTimer(time.Duration) clock.Timer          { panic("not used") }
func (c *steppedClock) AfterFunc(time.Duration, func()) clock.Timer { panic("not used") }

// TestClockGoingBack checks that a clock stepping back, even before the
// throttle was made, counts into the newest bucket and loses nothing.
func TestClockGoingBack(t *testing.T) {
	clk := &steppedClock{now: start}
	th := throttle.New(throttle.WithClock(clk), throttle.WithPadding(0), throttle.WithSeed(1))
	clk.now = start.Add(time.Minute)
	record(th, 4, 0)
	clk.now = start.Add(-time.Hour)
	record(th, 4, 4)
	if got, want := th.Probability(), formula(8, 4, 2, 0); got != want {
		t.Errorf("Probability() = %v, want %v", got, want)
	}
	clk.now = start.Add(time.Minute + 2*time.Minute)
	if got := th.Probability(); got != 0 {
		t.Errorf("Probability() a window after the newest bucket = %v, want 0", got)
	}
}
