package redress

import (
	"errors"
	"time"

	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/retry"
	"github.com/redress-go/redress/throttle"
)

// Default settings. The retry defaults live in package retry.
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
	orderSet         bool    // WithOrder was given
	bulkhead         *bulkhead.Bulkhead
	throttle         *throttle.Throttle
	hedge            hedgeConfig
	adaptive         []OutcomeRecorder
	report           *Call // WithReport's
	firstAttempt     int   // WithFirstAttempt's; 0: 1
	errs             []error
	dirty            dirty // what options changed since the configuration was last finished

	// Resolved by finish.
	retry         *retry.Policy
	observer      Observer    // nil when there are no observers
	handler       Handler     // the attempt middleware around the rest of the attempt; nil without
	callHandler   CallHandler // the call middleware around the call; nil without
	budgetGuard   *budgetGuard
	callGuards    []guard // the guards outside the retry loop, outermost first
	attemptStages []Stage // the configured stages inside it
	attemptGuards []guard // and their guards; nil for StageMiddleware
	mwNext        int     // the attempt stage after StageMiddleware
	onHeap        bool    // user code can reach the call's runner: see executeOnHeap

	// firstAttemptAtStart: no stage can spend time between the call's
	// start and its first attempt (a bulkhead may wait; attempt stages
	// run user code or may wait), so that attempt's timeout is measured
	// from the call's start without another clock read.
	firstAttemptAtStart bool
}

// dirty says which derived parts of a config its options changed.
type dirty uint8

const (
	dirtyRetry dirty = 1 << iota
	dirtyObservers
	dirtyMiddleware
	dirtyCallMiddleware
	dirtyStages
	dirtyBudget
	dirtyAll dirty = 1<<iota - 1
)

func (c *config) invalid(err error) { c.errs = append(c.errs, err) }

func newConfig() config {
	return config{
		classifier: classifier.Default,
		deadline:   DefaultDeadline,
		clock:      clock.Real,
		dirty:      dirtyAll,
	}
}

// finish validates c and resolves what calls use. It recomputes only what
// the options applied since the last finish changed, so that a policy
// with a per-call option on top is not rebuilt.
func (c *config) finish() error {
	var rp *retry.Policy
	if c.dirty&dirtyRetry != 0 {
		var err error
		if rp, err = retry.New(c.retryOpts...); err != nil {
			c.invalid(err)
		}
	}
	if c.dirty&dirtyStages != 0 {
		if err := c.resolveStages(); err != nil {
			c.invalid(err)
		}
	}
	if len(c.errs) > 0 {
		return &configError{errors.Join(c.errs...)}
	}
	if rp != nil {
		c.retry = rp
	}
	c.classifier = c.resolvedClassifier()
	if c.dirty&dirtyObservers != 0 {
		switch len(c.observers) {
		case 0:
			c.observer = nil
		case 1:
			c.observer = safeObserver{c.observers[0]}
		default:
			c.observer = multiObserver(c.observers)
		}
	}
	if c.dirty&dirtyMiddleware != 0 && len(c.middleware) > 0 {
		c.handler = chain(c.middleware)
	}
	if c.dirty&dirtyCallMiddleware != 0 && len(c.callMiddleware) > 0 {
		c.callHandler = chainCall(c.callMiddleware)
	}
	if c.dirty&dirtyBudget != 0 {
		c.budgetGuard = nil
		if c.budget != nil {
			c.budgetGuard = newBudgetGuard(c.budget)
		}
	}
	c.onHeap = c.handler != nil || c.callHandler != nil
	c.firstAttemptAtStart = len(c.attemptStages) == 0 && c.bulkhead == nil
	c.dirty = 0
	return nil
}

// resolvedClassifier is the classifier calls use.
func (c *config) resolvedClassifier() classifier.Classifier {
	if !c.classifierSet && c.defaultCl != nil {
		return c.defaultCl
	}
	return c.classifier
}

// WithOperation names the operation in events, logs and errors. Use a
// low-cardinality name ("users.get", not "users.get/42"): metrics use it
// as a label. Default ""; repeating replaces.
func WithOperation(name string) Option { return operationOption(name) }

// operationOption is WithOperation's option: a string, so that
// WithOperation("name") given for one call makes no allocation.
type operationOption string

func (o operationOption) apply(c *config) { c.operation = string(o) }

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
		c.dirty |= dirtyRetry
	})
}

// WithDeadline bounds the whole call: the context every attempt gets ends
// at the deadline, every wait inside the call (a bulkhead slot, a backoff
// sleep) ends by it, and no sleep starts that would end at or after it
// (the call stops with DEADLINE_EXCEEDED instead). d must be positive.
// Default 60 s; repeating replaces. A deadline on the caller's context
// bounds the call as well.
//
// The deadline costs one small allocation per call, for the call's
// context, and nothing per attempt: that context arms no timer until the
// operation waits on its Done channel. It costs nothing when the caller's
// context already ends first (on the real clock), or with WithoutDeadline.
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

// WithObserver adds observers of the call's events. Repeating adds: every
// observer is told, in the order given, and a panic in one neither keeps
// the others from being told nor changes the call's result. Default none.
func WithObserver(obs ...Observer) Option {
	return optionFunc(func(c *config) {
		for _, o := range obs {
			if o == nil {
				c.invalid(invalidf("WithObserver", "observer is nil"))
				return
			}
		}
		c.observers = append(c.observers[:len(c.observers):len(c.observers)], obs...)
		c.dirty |= dirtyObservers
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

// WithFirstAttempt numbers the call's first attempt n instead of 1: the
// call goes on a sequence of attempts that began elsewhere. It is for job
// queues that redeliver a job and count its attempts themselves, with
// retry.WithDefer: each delivery runs one call whose first attempt is the
// job's attempt number, so the global cap (retry.WithMaxAttempts) and the
// backoff's growth continue from where the sequence stands instead of
// starting again at 1 on every delivery. Failures of each class are
// counted afresh in each call, and the first attempt of a call needs no
// grant from the budget (the job was already rescheduled). Event.Attempt
// and StopError.Attempts report the attempt numbers of the sequence. n
// must be at least 1. Default 1; repeating replaces.
func WithFirstAttempt(n int) Option { return firstAttemptOption(n) }

// firstAttemptOption is WithFirstAttempt's option, which a call applies
// to itself.
type firstAttemptOption int

func (o firstAttemptOption) apply(c *config) {
	if o < 1 {
		c.invalid(invalidf("WithFirstAttempt", "must be at least 1, got %d", int(o)))
		return
	}
	c.firstAttempt = int(o)
}
