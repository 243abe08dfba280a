package redress

import (
	"errors"
	"slices"
	"time"

	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/retry"
)

// Default settings, as DESIGN.md's table gives them. The retry defaults
// live in package retry.
const (
	// DefaultDeadline bounds a whole call when WithDeadline is not given.
	DefaultDeadline = 60 * time.Second
)

// Clock is the clock a policy sleeps and times out on: redresstest's fake
// clocks in tests, the real clock otherwise. It is the one clock interface
// of internal/clock; its Timer is re-exported as Timer.
type Clock = clock.Clock

// Timer is a timer made by a Clock.
type Timer = clock.Timer

// Option configures a policy, in New or for one call of Execute. Options
// apply in order, so a later option overrides an earlier one; a *Policy is
// itself an Option that applies the options it was built from.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is everything a call needs, resolved and validated by finish.
type config struct {
	operation        string
	classifier       classifier.Classifier
	classifierSet    bool                  // WithClassifier was given
	defaultCl        classifier.Classifier // WithDefaultClassifier's; nil: classifier.Default
	retryOpts        []retry.Option
	deadline         time.Duration // 0: none
	attemptTimeout   time.Duration // 0: none
	observers        []Observer
	middleware       []Middleware
	clock            Clock
	breaker          CircuitBreaker
	budget           budget.Budget
	resultClassifier any // func(T) (classifier.Classification, bool)
	fallback         any // func(context.Context, error) (T, error)
	callMiddleware   []CallMiddleware
	order            []Stage // nil: defaultOrder
	bulkhead         *Bulkhead
	throttle         *Throttle
	hedge            hedgeConfig
	adaptive         []OutcomeRecorder
	errs             []error

	// Resolved by finish.
	retry         *retry.Policy
	observer      Observer    // nil when there are no observers
	handler       Handler     // the attempt middleware around the rest of the attempt; nil without
	callHandler   CallHandler // the call middleware around the call; nil without
	learner       budget.Learner
	callStages    []Stage // configured stages outside the retry loop, outermost first
	attemptStages []Stage // and inside it
	mwNext        int     // the attempt stage after StageMiddleware
	onHeap        bool    // user code can reach the call's runner: see executeOnHeap

	// firstAttemptAtStart: no stage can spend time between the call's
	// start and its first attempt (a bulkhead may wait; attempt stages
	// run user code or may wait), so that attempt's timeout is measured
	// from the call's start without another clock read.
	firstAttemptAtStart bool
}

func (c *config) invalid(err error) { c.errs = append(c.errs, err) }

func newConfig() config {
	return config{
		classifier: classifier.Default,
		deadline:   DefaultDeadline,
		clock:      clock.Real,
	}
}

// finish validates c and resolves what calls use.
func (c *config) finish() error {
	rp, err := retry.New(c.retryOpts...)
	if err != nil {
		c.invalid(err)
	}
	if err := c.resolveStages(); err != nil {
		c.invalid(err)
	}
	if len(c.errs) > 0 {
		return &configError{errors.Join(c.errs...)}
	}
	c.retry = rp
	if !c.classifierSet && c.defaultCl != nil {
		c.classifier = c.defaultCl
	}
	switch len(c.observers) {
	case 0:
	case 1:
		c.observer = Observers(c.observers[0]) // recovers panics
	default:
		c.observer = Observers(c.observers...)
	}
	if len(c.middleware) > 0 {
		c.handler = chain(c.middleware)
	}
	if len(c.callMiddleware) > 0 {
		c.callHandler = chainCall(c.callMiddleware)
	}
	c.onHeap = c.handler != nil || c.callHandler != nil
	c.firstAttemptAtStart = len(c.attemptStages) == 0 && !slices.Contains(c.callStages, StageBulkhead)
	c.learner, _ = c.budget.(budget.Learner)
	return nil
}

// WithOperation names the operation in events, logs and errors. Use a
// low-cardinality name ("users.get", not "users.get/42"): metrics use it
// as a label. Default ""; repeating replaces.
func WithOperation(name string) Option {
	return optionFunc(func(c *config) { c.operation = name })
}

// WithClassifier sets the classifier of operation errors. Default
// classifier.Default; repeating replaces.
func WithClassifier(cl classifier.Classifier) Option {
	return optionFunc(func(c *config) {
		if cl == nil {
			c.invalid(invalidf("WithClassifier", "classifier is nil"))
			return
		}
		c.classifier, c.classifierSet = cl, true
	})
}

// WithDefaultClassifier sets the classifier used when no WithClassifier
// is given, wherever the two appear among the options. It is for
// integrations that bring a classifier of their own (gRPC status codes,
// Redis replies, SDK errors): they put it under the caller's policy, and
// a classifier the caller chose with WithClassifier still wins. Default
// classifier.Default; repeating replaces.
func WithDefaultClassifier(cl classifier.Classifier) Option {
	return optionFunc(func(c *config) {
		if cl == nil {
			c.invalid(invalidf("WithDefaultClassifier", "classifier is nil"))
			return
		}
		c.defaultCl = cl
	})
}

// WithRetry configures retrying with the options of package retry.
// Repeating adds: the retry options of all WithRetry calls apply in order,
// so a later one overrides an earlier one setting the same thing. Default:
// the defaults of package retry (6 attempts, 2 UNKNOWN failures retried,
// decorrelated jitter from 250 ms to 5 s, Retry-After honoured up to 5
// minutes for RATE_LIMIT).
func WithRetry(opts ...retry.Option) Option {
	return optionFunc(func(c *config) {
		c.retryOpts = append(c.retryOpts[:len(c.retryOpts):len(c.retryOpts)], opts...)
	})
}

// WithDeadline bounds the whole call: each attempt's context is cut at the
// deadline, and no sleep starts that would end at or after it (the call
// stops with DEADLINE_EXCEEDED instead). d must be positive. Default 60 s;
// repeating replaces. A deadline on the caller's context bounds the call
// as well.
//
// A deadline costs each attempt a context of its own (a few allocations)
// unless the caller's context already ends before it; WithoutDeadline
// avoids that where the caller bounds the call some other way.
func WithDeadline(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid(invalidf("WithDeadline", "must be positive, got %v", d))
			return
		}
		c.deadline = d
	})
}

// WithoutDeadline removes the policy's own deadline: the call is bounded
// only by its attempts, their timeouts and the caller's context. A later
// WithDeadline sets one again.
func WithoutDeadline() Option {
	return optionFunc(func(c *config) { c.deadline = 0 })
}

// WithAttemptTimeout bounds each attempt: its context is cancelled once d
// has passed (or at the call's deadline, if sooner), and the failure is
// TRANSIENT. Operations must honour their context for this to work: redress
// cannot stop code that ignores it. d must be positive. Default none;
// repeating replaces.
func WithAttemptTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.invalid(invalidf("WithAttemptTimeout", "must be positive, got %v", d))
			return
		}
		c.attemptTimeout = d
	})
}

// WithObserver adds an observer of the call's events. Repeating adds: every
// observer is told, in the order given. Default none.
func WithObserver(o Observer) Option {
	return optionFunc(func(c *config) {
		if o == nil {
			c.invalid(invalidf("WithObserver", "observer is nil"))
			return
		}
		c.observers = append(c.observers[:len(c.observers):len(c.observers)], o)
	})
}

// WithMiddleware adds middleware around every attempt: inside the retry
// loop (so it sees each attempt) and outside the attempt's timeout, and by
// default outside the throttle, bulkhead and hedging (see WithOrder). The
// first middleware given is the outermost. Repeating adds after the
// middleware already given. Default none.
func WithMiddleware(mw ...Middleware) Option {
	return optionFunc(func(c *config) {
		for _, m := range mw {
			if m == nil {
				c.invalid(invalidf("WithMiddleware", "middleware is nil"))
				return
			}
		}
		c.middleware = append(c.middleware[:len(c.middleware):len(c.middleware)], mw...)
	})
}

// WithClock sets the clock for sleeps, timeouts and elapsed times; tests
// pass a redresstest.Clock. Default the real clock; repeating replaces.
func WithClock(clk Clock) Option {
	return optionFunc(func(c *config) {
		if clk == nil {
			c.invalid(invalidf("WithClock", "clock is nil"))
			return
		}
		c.clock = clk
	})
}

// WithResultClassifier classifies an operation's successful results: when
// f says true, the result is a failure of the returned classification and
// is retried like an error; the call's error then wraps
// ErrResultRejected, and Execute returns the last result with it. T must
// be the result type of the Execute it is used with; a mismatch is
// reported by Execute as ErrInvalidConfig, without calling the operation.
// Default none; repeating replaces.
func WithResultClassifier[T any](f func(T) (classifier.Classification, bool)) Option {
	return optionFunc(func(c *config) {
		if f == nil {
			c.invalid(invalidf("WithResultClassifier", "classifier is nil"))
			return
		}
		c.resultClassifier = f
	})
}

// Policy is a validated, immutable set of options, built once by New and
// safe for concurrent use by any number of calls. A Policy is also an
// Option: Execute(ctx, op, p, WithOperation("x")) runs op with p's
// options and then WithOperation, for that call only.
type Policy struct {
	opts []Option
	cfg  config
}

// New returns a policy with the defaults changed by opts. The error, if
// any, wraps ErrInvalidConfig and names every invalid option.
func New(opts ...Option) (*Policy, error) {
	p := &Policy{opts: append([]Option(nil), opts...), cfg: newConfig()}
	p.apply(&p.cfg)
	if err := p.cfg.finish(); err != nil {
		return nil, err
	}
	return p, nil
}

// MustNew is like New but panics on invalid options. It is meant for
// package-level policies, whose options are fixed.
func MustNew(opts ...Option) *Policy {
	p, err := New(opts...)
	if err != nil {
		panic(err)
	}
	return p
}

// Classifier returns the classifier the policy's calls use: the one given
// with WithClassifier, else WithDefaultClassifier's, else
// classifier.Default. Integrations that run their own retry loop (an SDK's
// retryer, a job queue) use it with Retry, Breaker and Budget.
func (p *Policy) Classifier() classifier.Classifier { return p.cfg.classifier }

// Retry returns the policy's retry decision engine, built from its
// WithRetry options.
func (p *Policy) Retry() *retry.Policy { return p.cfg.retry }

// Breaker returns the policy's circuit breaker, or nil.
func (p *Policy) Breaker() CircuitBreaker { return p.cfg.breaker }

// Budget returns the policy's retry budget, or nil.
func (p *Policy) Budget() budget.Budget { return p.cfg.budget }

// Clock returns the policy's clock.
func (p *Policy) Clock() Clock { return p.cfg.clock }

// Operation returns the policy's operation name (WithOperation), or "".
func (p *Policy) Operation() string { return p.cfg.operation }

// Deadline returns the policy's own deadline for a whole call, or 0 when
// it has none (WithoutDeadline).
func (p *Policy) Deadline() time.Duration { return p.cfg.deadline }

// AttemptTimeout returns the policy's attempt timeout, or 0 for none.
func (p *Policy) AttemptTimeout() time.Duration { return p.cfg.attemptTimeout }

func (p *Policy) apply(c *config) {
	if p == nil {
		c.invalid(invalidf("Policy", "policy is nil"))
		return
	}
	for _, o := range p.opts {
		if o == nil {
			c.invalid(invalidf("Option", "option is nil"))
			continue
		}
		o.apply(c)
	}
}

// defaultPolicy serves calls given no options.
var defaultPolicy = MustNew()

// resolve returns the configuration of a call given opts. A single *Policy,
// or none, is served without allocating.
func resolve(opts []Option) (*config, error) {
	switch len(opts) {
	case 0:
		return &defaultPolicy.cfg, nil
	case 1:
		if p, ok := opts[0].(*Policy); ok && p != nil {
			return &p.cfg, nil
		}
	}
	c := newConfig()
	(&Policy{opts: opts}).apply(&c)
	if err := c.finish(); err != nil {
		return nil, err
	}
	return &c, nil
}
