package redressgrpc

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/retry"
)

// pushbackBackoff is the client interceptors' default backoff: when the
// server said when to come back (a pushback or a RetryInfo, which
// Classifier turns into RetryAfter), the next attempt waits exactly that
// long, as gRFC A6 asks and grpc-go does; otherwise the default backoff
// of package retry decides. RATE_LIMIT failures keep the core's default,
// which adds up to backoff.RetryAfterJitter to a Retry-After. A backoff
// the caller configures replaces it.
var pushbackBackoff = backoff.Func(func(in backoff.Input) time.Duration {
	if ra := in.Classification.RetryAfter; ra > 0 {
		return ra
	}
	return fallbackBackoff.Delay(in)
})

var fallbackBackoff = backoff.DecorrelatedJitter(retry.DefaultBackoffBase, retry.DefaultBackoffMax)

// maxNamedPolicies bounds the policies a client interceptor keeps, one per
// method name. A service has a fixed set of methods; past the bound (a
// client calling ever new method names), each call builds its own.
const maxNamedPolicies = 1024

// clientPolicy is the policy of a client interceptor, and one copy of it
// per method, named after the method.
type clientPolicy struct {
	base  *redress.Policy
	err   error // the options were invalid: every call fails with it
	named bool  // the caller named the operation: every method uses base

	mu     sync.Mutex                                 // serialises writers of byName
	byName atomic.Pointer[map[string]*redress.Policy] // copied on write
}

func newClientPolicy(opts []redress.Option) *clientPolicy {
	all := make([]redress.Option, 0, len(opts)+2)
	all = append(all,
		redress.WithDefaultClassifier(Classifier),
		redress.WithRetry(retry.WithBackoff(pushbackBackoff)),
	)
	base, err := redress.New(append(all, opts...)...)
	if err != nil {
		return &clientPolicy{err: err}
	}
	return &clientPolicy{base: base, named: base.Operation() != ""}
}

// forMethod returns the policy of a call of method: base, named after the
// method unless the caller named the operation.
func (c *clientPolicy) forMethod(method string) (*redress.Policy, error) {
	if c.err != nil || c.named {
		return c.base, c.err
	}
	if m := c.byName.Load(); m != nil {
		if p, ok := (*m)[method]; ok {
			return p, nil
		}
	}
	// Options that only name the operation cannot be invalid once base
	// is valid.
	p, err := redress.New(c.base, redress.WithOperation(method))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.byName.Load()
	if old == nil {
		m := map[string]*redress.Policy{method: p}
		c.byName.Store(&m)
		return p, nil
	}
	if q, ok := (*old)[method]; ok {
		return q, nil
	}
	if len(*old) < maxNamedPolicies {
		m := maps.Clone(*old)
		m[method] = p
		c.byName.Store(&m)
	}
	return p, nil
}
