package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/retry"
)

// Finding is one thing doctor says about a file. docs/doctor.md lists
// every ID.
type Finding struct {
	ID      string // "RD001", stable
	Path    string // the field, as config.Error names it
	Line    int
	Message string // what is wrong and why it matters
}

func (f Finding) String() string {
	return fmt.Sprintf("%d: %s %s: %s", f.Line, f.ID, f.Path, f.Message)
}

// maxDelay returns the longest delay strategy s can return before the
// retry after attempt n (1-based), and whether it is bounded by the
// strategy alone (a Retry-After strategy waits as the server says).
func maxDelay(s *config.Strategy, n int) time.Duration {
	if s == nil { // redress's default: decorrelated jitter, 250ms to 5s
		s = &config.Strategy{DecorrelatedJitter: &config.Jittered{Base: config.Duration(retry.DefaultBackoffBase), Max: config.Duration(retry.DefaultBackoffMax)}}
	}
	if s.RetryAfterOr != nil {
		return maxDelay(&s.RetryAfterOr.Fallback, n)
	}
	if s.Constant != nil {
		return s.Constant.Delay.D()
	}
	p := s.Params()
	base, cap := float64(p.Base), float64(p.Max)
	var d float64
	switch s.Kind() {
	case "decorrelated_jitter":
		d = base * math.Pow(3, float64(n))
	case "token":
		d = base * math.Pow(1.5, float64(n))
	default:
		d = base * math.Pow(2, float64(n-1))
	}
	return time.Duration(math.Min(d, cap))
}

// minDelay is maxDelay's lower bound.
func minDelay(s *config.Strategy, n int) time.Duration {
	if s == nil {
		return retry.DefaultBackoffBase
	}
	if s.RetryAfterOr != nil {
		return minDelay(&s.RetryAfterOr.Fallback, n)
	}
	switch s.Kind() {
	case "constant":
		return s.Constant.Delay.D()
	case "exponential":
		return maxDelay(s, n)
	case "full_jitter":
		return 0
	case "decorrelated_jitter":
		return s.DecorrelatedJitter.Base.D()
	}
	return maxDelay(s, n) / 2 // equal_jitter, token
}

func attemptsOf(p config.Policy) int {
	if p.MaxAttempts != nil {
		return *p.MaxAttempts
	}
	return retry.DefaultMaxAttempts
}

func deadlineOf(p config.Policy) time.Duration {
	switch {
	case p.Deadline == nil:
		return redress.DefaultDeadline
	case *p.Deadline == config.NoDeadline:
		return 0
	}
	return p.Deadline.D()
}

// amplificationThreshold is the attempts one top-level call may cause on
// the deepest dependency before doctor calls it a retry storm.
const amplificationThreshold = 10

// doctor returns the findings for f, in the order of the file's policies
// and then building blocks.
func doctor(f *config.File) []Finding {
	var out []Finding
	add := func(id, path, format string, args ...any) {
		line, _ := f.Position(path)
		for p := path; line == 0 && strings.ContainsAny(p, ".["); {
			p = p[:strings.LastIndexAny(p, ".[")]
			line, _ = f.Position(p)
		}
		out = append(out, Finding{ID: id, Path: path, Line: line, Message: fmt.Sprintf(format, args...)})
	}
	usedBreakers, usedBudgets := map[string]bool{}, map[string]bool{}
	for _, name := range sortedKeys(f.Policies) {
		p := f.Policies[name]
		path := "policies[" + strconv.Quote(name) + "]"
		n, dl := attemptsOf(p), deadlineOf(p)
		usedBreakers[p.Breaker], usedBudgets[p.Budget] = true, true
		// RD001: the schedule's shortest sleeps already pass the deadline.
		if dl > 0 && n > 1 {
			var sum time.Duration
			for k := 1; k < n; k++ {
				sum += minDelay(p.Backoff, k)
			}
			if sum >= dl {
				add("RD001", path+".deadline", "the deadline %v is shorter than the %d retries' shortest sleeps (%v): the last attempts can never run, and every long failure ends DEADLINE_EXCEEDED instead of MAX_ATTEMPTS_GLOBAL; lower max_attempts or raise the deadline", dl, n-1, sum)
			}
		}
		// RD002: attempt timeout at or beyond the deadline.
		if p.AttemptTimeout != nil && dl > 0 && p.AttemptTimeout.D() >= dl {
			add("RD002", path+".attempt_timeout", "the attempt timeout %v is not shorter than the deadline %v: one slow attempt uses the whole call, so there is never time to retry it", p.AttemptTimeout.D(), dl)
		}
		// RD003: a RATE_LIMIT wait the deadline cannot hold.
		mra := retry.DefaultMaxRetryAfter
		if p.MaxRetryAfter != nil {
			mra = p.MaxRetryAfter.D()
		}
		if dl > 0 && n > 1 && mra >= dl {
			add("RD003", path+".max_retry_after", "a server's Retry-After is honoured up to %v, longer than the deadline %v: a 429 asking for more than the deadline ends the call DEADLINE_EXCEEDED at once; set max_retry_after below the deadline so that the cap, not the deadline, decides", mra, dl)
		}
		// RD004: retries without a budget.
		if n > 1 && p.Budget == "" {
			add("RD004", path, "%d attempts and no budget: in an outage every caller multiplies its load on the dependency by up to %d, just when it can least take it; give it a budget (a ratio of 0.1 caps the extra load at 10%%)", n, n)
		}
		// RD005: breaker trips on classes the policy never retries.
		if b, ok := f.Breakers[p.Breaker]; ok {
			for _, s := range b.TripOn {
				c, _ := classifier.ParseClass(s)
				never := !c.Retryable()
				if m, ok := p.MaxAttemptsFor[s]; ok && m == 0 {
					never = true
				}
				if never {
					add("RD005", path+".breaker", "breaker %q trips on %s, which this policy never retries: those failures are answers about the request (a bad input, a missing permission), not the dependency's health, and opening the circuit on them refuses every caller's good requests", p.Breaker, s)
				}
			}
		}
		// RD007: no jitter.
		for _, s := range strategiesOf(p) {
			if k := s.Kind(); n > 1 && (k == "exponential" || k == "constant") {
				add("RD007", path+".backoff", "%s backoff has no jitter: clients that failed together retry together, in waves that hit the dependency at the same instants; use full_jitter or decorrelated_jitter", k)
			}
		}
		// RD008: nothing bounds the call.
		if dl == 0 && p.AttemptTimeout == nil {
			add("RD008", path+".deadline", "no deadline and no attempt timeout: a dependency that hangs holds the call, and its goroutine, for as long as the caller's context allows, which may be for ever")
		}
	}
	// RD006: amplification through nested layers.
	for _, name := range sortedKeys(f.Policies) {
		chain, amp := worstChain(f, name, map[string]bool{})
		if len(chain) > 1 && amp > amplificationThreshold {
			add("RD006", "policies["+strconv.Quote(name)+"].calls", "through %s one call may become %.0f attempts on %s in the worst case (the product of each layer's attempts, or (1+r) for a layer with a ratio budget r); retry at one layer only, or give each layer a budget", strings.Join(chain, " → "), amp, chain[len(chain)-1])
		}
	}
	// RD009: building blocks no policy uses.
	for _, name := range sortedKeys(f.Breakers) {
		if !usedBreakers[name] {
			add("RD009", "breakers["+strconv.Quote(name)+"]", "no policy names this breaker: it protects nothing")
		}
	}
	for _, name := range sortedKeys(f.Budgets) {
		if !usedBudgets[name] {
			add("RD009", "budgets["+strconv.Quote(name)+"]", "no policy names this budget: it limits nothing")
		}
	}
	return out
}

func strategiesOf(p config.Policy) []*config.Strategy {
	var ss []*config.Strategy
	if p.Backoff != nil {
		ss = append(ss, p.Backoff)
	}
	for _, k := range sortedKeys(p.BackoffFor) {
		s := p.BackoffFor[k]
		ss = append(ss, &s)
	}
	return ss
}

// layerFactor is how many attempts one call of the policy can make on
// what it calls, at worst: its attempts, or 1+r under a ratio budget.
func layerFactor(f *config.File, p config.Policy) float64 {
	if b, ok := f.Budgets[p.Budget]; ok && b.Ratio != nil {
		return math.Min(1+b.Ratio.Ratio, float64(attemptsOf(p)))
	}
	return float64(attemptsOf(p))
}

// worstChain returns the chain of calls from name with the largest
// product of layer factors, and that product.
func worstChain(f *config.File, name string, seen map[string]bool) ([]string, float64) {
	p, ok := f.Policies[name]
	if !ok || seen[name] {
		return []string{name}, 1
	}
	seen[name] = true
	defer delete(seen, name)
	best, bestAmp := []string{name}, layerFactor(f, p)
	for _, c := range p.Calls {
		chain, amp := worstChain(f, c, seen)
		if total := layerFactor(f, p) * amp; total > bestAmp || len(best) == 1 {
			best, bestAmp = append([]string{name}, chain...), total
		}
	}
	return best, bestAmp
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func doctorCmd(file string, stdout, stderr io.Writer) int {
	f, err := config.Load(file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fs := doctor(f)
	for _, x := range fs {
		fmt.Fprintf(stdout, "%s:%s\n", f.Name(), x)
	}
	if len(fs) > 0 {
		fmt.Fprintf(stdout, "%d findings; see docs/doctor.md for each ID\n", len(fs))
		return 1
	}
	fmt.Fprintln(stdout, "no findings")
	return 0
}
