package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/retry"
)

// explain writes the decision table of policy name: per class, how many
// attempts, the bounds of each delay, and what stops the call.
func explain(w io.Writer, f *config.File, name string) error {
	p, ok := f.Policies[name]
	if !ok {
		return fmt.Errorf("%s: no policy named %q", f.Name(), name)
	}
	n, dl := attemptsOf(p), deadlineOf(p)
	unknown := retry.DefaultMaxUnknownAttempts
	if p.MaxUnknownAttempts != nil {
		unknown = *p.MaxUnknownAttempts
	}
	fmt.Fprintf(w, "policy %s: %d attempts at most", name, n)
	if dl > 0 {
		fmt.Fprintf(w, ", deadline %v", dl)
	} else {
		fmt.Fprint(w, ", no deadline")
	}
	if p.AttemptTimeout != nil {
		fmt.Fprintf(w, ", %v per attempt", p.AttemptTimeout.D())
	}
	if p.Breaker != "" {
		fmt.Fprintf(w, ", breaker %q", p.Breaker)
	}
	if p.Budget != "" {
		fmt.Fprintf(w, ", budget %q (a denied retry stops the call BUDGET_EXHAUSTED)", p.Budget)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "class\tattempts\tdelays before retries 1, 2, …\tstops with")
	for _, c := range classifier.Classes() {
		attempts, stop := n, "MAX_ATTEMPTS_GLOBAL"
		if !c.Retryable() {
			fmt.Fprintf(tw, "%s\t1\t-\tNON_RETRYABLE_CLASS\n", c)
			continue
		}
		if c == classifier.Unknown && unknown+1 < attempts {
			attempts, stop = unknown+1, "MAX_UNKNOWN_ATTEMPTS"
		}
		if m, ok := p.MaxAttemptsFor[c.String()]; ok && m+1 < attempts {
			attempts, stop = m+1, "MAX_ATTEMPTS_PER_CLASS"
		}
		s := p.Backoff
		if b, ok := p.BackoffFor[c.String()]; ok {
			s = &b
		} else if p.NoDefaultBackoff && p.Backoff == nil {
			fmt.Fprintf(tw, "%s\t1\t-\tNO_STRATEGY\n", c)
			continue
		}
		delays := ""
		var least time.Duration
		for k := 1; k < attempts; k++ {
			lo, hi := minDelay(s, k), maxDelay(s, k)
			least += lo
			if k > 1 {
				delays += ", "
			}
			if lo == hi {
				delays += lo.String()
			} else {
				delays += lo.String() + "–" + hi.String()
			}
			if dl > 0 && least >= dl {
				stop = "DEADLINE_EXCEEDED (the sleeps pass the deadline by retry " + strconv.Itoa(k) + ")"
				break
			}
		}
		if delays == "" {
			delays = "-"
		}
		_, own := p.BackoffFor[c.String()]
		if s.Kind() == "retry_after_or" || (!own && (c == classifier.RateLimit || c == classifier.ServerError)) {
			delays = "the server's Retry-After (+≤0.5s) when given, else " + delays
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", c, attempts, delays, stop)
	}
	return tw.Flush()
}

func explainCmd(file, name string, stdout, stderr io.Writer) int {
	f, err := config.Load(file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if err := explain(stdout, f, name); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
