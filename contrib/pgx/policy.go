package redresspgx

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// policyFor returns the policy BeginTxFunc runs a call under, given the
// call's options: theirs, with Classifier as the default classifier and
// the transaction's own rules (guard) in front of the classifier.
func policyFor(opts []redress.Option) (*redress.Policy, error) {
	switch len(opts) {
	case 0:
		return defaultPolicy()
	case 1:
		if p, ok := opts[0].(*redress.Policy); ok && p != nil {
			return derived.get(p)
		}
	}
	return derive(opts)
}

var defaultPolicy = sync.OnceValues(func() (*redress.Policy, error) { return derive(nil) })

// derive builds the policy of a call given opts.
func derive(opts []redress.Option) (*redress.Policy, error) {
	// Last, so that it replaces a default classifier of another
	// integration; a classifier set with WithClassifier still wins.
	base, err := redress.New(append(opts[:len(opts):len(opts)], redress.WithDefaultClassifier(Classifier))...)
	if err != nil {
		return nil, err
	}
	return redress.New(base, redress.WithClassifier(guard{base.Classifier()}))
}

// guard classifies what only a transaction knows, whatever the policy's
// classifier says: a COMMIT of unknown outcome, or a hedged invocation,
// must never run again.
type guard struct{ inner classifier.Classifier }

func (g guard) Classify(err error) classifier.Classification {
	switch {
	case errors.Is(err, ErrCommitUnknown):
		return classifier.Classification{Class: classifier.Permanent, Details: map[string]string{"pgx.commit": "unknown"}}
	case errors.Is(err, errHedged):
		return classifier.Classification{Class: classifier.Permanent}
	}
	return g.inner.Classify(err)
}

// derived keeps the policies derived from the last few prebuilt policies
// given to BeginTxFunc, so that a call with a prebuilt policy resolves no
// options. Entries are replaced in turn; an entry keeps its policy
// reachable until it is replaced.
var derived policyCache

type policyCache struct {
	entries [8]atomic.Pointer[policyEntry]
	next    atomic.Uint32
}

type policyEntry struct{ from, to *redress.Policy }

func (c *policyCache) get(p *redress.Policy) (*redress.Policy, error) {
	for i := range c.entries {
		if e := c.entries[i].Load(); e != nil && e.from == p {
			return e.to, nil
		}
	}
	to, err := derive([]redress.Option{p})
	if err != nil {
		return nil, err
	}
	i := c.next.Add(1) % uint32(len(c.entries))
	c.entries[i].Store(&policyEntry{from: p, to: to})
	return to, nil
}
