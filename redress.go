package redress

import (
	"context"
	"reflect"
	"time"

	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/retry"
)

// Execute runs op under the policy that opts describe and returns its
// result. With no options it uses the defaults (see New); pass a *Policy
// to reuse a validated policy, followed by options that override it for
// this call.
//
// op is called once per attempt with a context that ends at the attempt's
// timeout or the call's deadline; op must honour it, as redress cannot
// stop code that does not. When an attempt fails, the failure is
// classified and the decision order of the package documentation says
// whether and when to try again. If ctx is already done when Execute is
// called, op is not called at all.
//
// Execute returns op's result and nil on success. Otherwise it returns the
// last result op gave (usually the zero value) and a *StopError that wraps
// op's last error; a call rejected by an open breaker fails with
// StopCircuitOpen and op is not called. Invalid options make Execute
// return an error wrapping ErrInvalidConfig without calling op.
func Execute[T any](ctx context.Context, op func(context.Context) (T, error), opts ...Option) (T, error) {
	var r runner[T]
	if op == nil {
		return r.att.result, &configError{invalidf("Execute", "operation is nil")}
	}
	r.att.op = op
	err := r.execute(ctx, opts)
	return r.att.result, err
}

// Do is Execute for operations that return only an error.
func Do(ctx context.Context, op func(context.Context) error, opts ...Option) error {
	if op == nil {
		return &configError{invalidf("Do", "operation is nil")}
	}
	var r runner[struct{}]
	r.att.opErr = op
	return r.execute(ctx, opts)
}

// WithReport has the call fill in *c when it ends: attempts made, hedges
// started, time slept and elapsed, the stop reason ("" for a success) and
// whether the fallback ran, as the Python library's execute reports them.
// It is meant as a per-call option on top of a prebuilt policy:
//
//	var rep redress.Call
//	user, err := redress.Execute(ctx, getUser, policy, redress.WithReport(&rep))
//
// Calls without it pay nothing. Default none; repeating replaces.
func WithReport(c *Call) Option { return reportOption{c} }

// reportOption is WithReport's option, which a call applies to itself.
type reportOption struct{ c *Call }

func (o reportOption) apply(cfg *config) {
	if o.c == nil {
		cfg.invalid(invalidf("WithReport", "report is nil"))
		return
	}
	cfg.report = o.c
}

// execute resolves the options and runs the call. r lives on the stack
// of Execute or Do; it is built in place, because copying it costs more
// than the rest of a successful call.
func (r *runner[T]) execute(ctx context.Context, opts []Option) error {
	cfg, err := resolve(opts, &r.callState)
	if err != nil {
		return err
	}
	if cfg.resultClassifier != nil {
		rc, ok := cfg.resultClassifier.(func(T) (classifier.Classification, bool))
		if !ok {
			return &configError{invalidf("WithResultClassifier",
				"classifier %T does not take Execute's result type %v", cfg.resultClassifier, reflect.TypeFor[T]())}
		}
		r.att.rc = rc
	}
	if cfg.fallback != nil {
		f, ok := cfg.fallback.(func(context.Context, error) (T, error))
		if !ok {
			return &configError{invalidf("WithFallback",
				"fallback %T does not return Execute's result type %v", cfg.fallback, reflect.TypeFor[T]())}
		}
		r.fallback = f
	}
	r.cfg, r.att.cfg = cfg, cfg
	if cfg.onHeap {
		// User code can reach this call's runner: run a heap copy, so
		// that r itself never escapes.
		h := new(runner[T])
		*h = *r
		err := h.executeOnHeap(ctx)
		r.att.result = h.att.result
		return err
	}
	return r.call(ctx)
}

// executeOnHeap runs a call whose runner user code can reach: call
// middleware keeps a *Call that runs it, attempt middleware an *Attempt.
func (r *runner[T]) executeOnHeap(ctx context.Context) error {
	cfg := r.cfg
	if cfg.handler != nil {
		r.mwAttempt = &Attempt{Operation: r.operation, run: r.afterMiddleware}
	}
	if cfg.callHandler == nil {
		return r.call(ctx)
	}
	c := &Call{Operation: r.operation}
	c.run = func(ctx context.Context) error {
		if c.ran {
			return errCallRunTwice
		}
		c.ran = true
		err := r.call(ctx)
		r.fill(c)
		return err
	}
	return cfg.callHandler(ctx, c)
}

// runner is one call's state: the parts that do not depend on the
// operation's result type, which the guards share, and the attempt.
// Unless call or attempt middleware is configured it stays on the
// caller's stack: nothing that user code can keep points to it.
type runner[T any] struct {
	callState
	att       attempt[T]
	fallback  func(context.Context, error) (T, error)
	mwAttempt *Attempt // with attempt middleware: what it is given
}

// callState is what a call knows about itself as it runs.
type callState struct {
	cfg *config
	// The options that concern this call only (see callOption): the
	// policy's, or the call's own.
	operation    string
	report       *Call
	firstAttempt int

	start   time.Time
	last    classifier.Classification // the last failure's
	lastErr error                     // the last failed attempt's error
	reason  StopReason                // why the call stopped; "" on success
	dl      *clock.Deadline           // the call's own deadline context, or nil

	n        int           // the number of the attempt running
	attempts int           // attempts that reached the operation
	hedges   int           // hedges started
	slept    time.Duration // time slept between attempts
	probe    bool          // the breaker's ticket is a half-open probe: no hedging
	fellBack bool          // the fallback ran
}

// fill reports the call's course in c.
func (s *callState) fill(c *Call) {
	c.Operation, c.Attempts, c.Hedges, c.Slept = s.operation, s.attempts, s.hedges, s.slept
	c.StopReason, c.FellBack = s.reason, s.fellBack
	c.Elapsed = s.now().Sub(s.start)
}

func (s *callState) now() time.Time { return s.cfg.clock.Now() }

// callerErr returns the error of the caller's context, which ctx is or
// derives from through the call's own deadline context.
func (s *callState) callerErr(ctx context.Context) error {
	if s.dl != nil {
		return s.dl.Parent().Err()
	}
	return ctx.Err()
}

// caller returns the caller's context given the call's.
func (s *callState) caller(ctx context.Context) context.Context {
	if s.dl != nil {
		return s.dl.Parent()
	}
	return ctx
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
	// The policy's configuration is the base of per-call overlays: they
	// copy it, so its slices must not have room to grow into.
	p.cfg.errs = nil
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

// apply applies the options p was built from to c.
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

// resolve returns the configuration of a call given opts, and sets the
// options that concern the call only in s. No options, or a single
// *Policy, are served as they are, without allocating; so is a *Policy
// followed only by options of one call (WithOperation, WithReport,
// WithFirstAttempt), which s takes. Other options after a *Policy are
// applied to one copy of its configuration, and only what they change is
// resolved again: the retry engine, stages and observers of the policy are
// reused as they are.
func resolve(opts []Option, s *callState) (*config, error) {
	if len(opts) == 0 {
		s.from(&defaultPolicy.cfg)
		return &defaultPolicy.cfg, nil
	}
	var c *config
	if p, ok := opts[0].(*Policy); ok && p != nil {
		if s.callOnly(&p.cfg, opts[1:]) {
			return &p.cfg, nil
		}
		c = new(config) // only now: the calls above make none
		*c = p.cfg
		opts = opts[1:]
	} else {
		c = new(config)
		*c = newConfig()
	}
	for _, o := range opts {
		if o == nil {
			c.invalid(invalidf("Option", "option is nil"))
			continue
		}
		o.apply(c)
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	s.from(c)
	return c, nil
}

// from sets the options of one call in s to cfg's.
func (s *callState) from(cfg *config) {
	s.operation, s.report, s.firstAttempt = cfg.operation, cfg.report, cfg.firstAttempt
}

// callOnly reports whether opts are all options that concern one call
// only (WithOperation, WithReport, WithFirstAttempt, with valid values),
// and if so sets the call's state from cfg and then from them. It names
// the option types rather than asking them through a method: a method
// call through an interface would make s, and so the call's runner,
// escape to the heap.
func (s *callState) callOnly(cfg *config, opts []Option) bool {
	s.from(cfg)
	for _, o := range opts {
		switch o := o.(type) {
		case operationOption:
			s.operation = string(o)
		case reportOption:
			if o.c == nil {
				return false // apply reports it
			}
			s.report = o.c
		case firstAttemptOption:
			if o < 1 {
				return false
			}
			s.firstAttempt = int(o)
		default:
			return false
		}
	}
	return true
}
