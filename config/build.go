package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
	"github.com/redress-go/redress/throttle"
)

// check validates f by building every object it describes, one option at
// a time, so that each refusal names its field.
func (f *File) check() error {
	_, err := f.build(buildOptions{clock: nil}, nil)
	return err
}

// built is what a File describes, made.
type built struct {
	breakers  map[string]*breaker.Breaker
	budgets   map[string]budget.Budget
	bulkheads map[string]*bulkhead.Bulkhead
	throttles map[string]*throttle.Throttle
	policies  map[string]*redress.Policy
}

// build makes the objects f describes. Breakers, budgets, bulkheads and
// throttles of keep whose name and settings are unchanged in f are
// reused as they are, with their state.
func (f *File) build(o buildOptions, keep *built) (*built, error) {
	if keep == nil {
		keep = &built{}
	}
	old := func() *File {
		if o.prev != nil {
			return o.prev
		}
		return &File{}
	}()
	b := &built{policies: map[string]*redress.Policy{}}
	var err error
	if b.breakers, err = buildNamed(f.Breakers, old.Breakers, keep.breakers, "breakers",
		func(path string, spec Breaker) (*breaker.Breaker, error) { return f.newBreaker(path, spec, o) }); err != nil {
		return nil, err
	}
	if b.budgets, err = buildNamed(f.Budgets, old.Budgets, keep.budgets, "budgets",
		func(path string, spec Budget) (budget.Budget, error) { return f.newBudget(path, spec, o) }); err != nil {
		return nil, err
	}
	if b.bulkheads, err = buildNamed(f.Bulkheads, old.Bulkheads, keep.bulkheads, "bulkheads",
		func(path string, spec Bulkhead) (*bulkhead.Bulkhead, error) { return f.newBulkhead(path, spec, o) }); err != nil {
		return nil, err
	}
	if b.throttles, err = buildNamed(f.Throttles, old.Throttles, keep.throttles, "throttles",
		func(path string, spec Throttle) (*throttle.Throttle, error) { return f.newThrottle(path, spec, o) }); err != nil {
		return nil, err
	}
	for _, name := range sorted(f.Policies) {
		path := "policies[" + strconv.Quote(name) + "]"
		if err := checkPattern(name); err != nil {
			return nil, f.errKey(path, err)
		}
		opts, err := f.policyOptions(name, b, o)
		if err != nil {
			return nil, err
		}
		p, err := redress.New(opts...)
		if err != nil {
			return nil, f.errPath(path, err)
		}
		b.policies[name] = p
	}
	if f.Default != "" {
		if _, ok := f.Policies[f.Default]; !ok {
			return nil, f.errPath("default", fmt.Errorf("no policy named %q (policies: %s)", f.Default, strings.Join(sorted(f.Policies), ", ")))
		}
	}
	return b, nil
}

// buildNamed builds each of specs in name order with build, whose path
// argument names the spec in errors (kind["name"]); a spec whose settings
// are those of the same name in old reuses keep's object, state and all.
func buildNamed[S, T any](specs, old map[string]S, keep map[string]T, kind string,
	build func(path string, spec S) (T, error)) (map[string]T, error) {
	out := make(map[string]T, len(specs))
	for _, name := range sorted(specs) {
		spec := specs[name]
		if prev, ok := keep[name]; ok && equalJSON(old[name], spec) {
			out[name] = prev
			continue
		}
		v, err := build(kind+"["+strconv.Quote(name)+"]", spec)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

// newBulkhead builds a bulkhead, each setting checked on its own.
func (f *File) newBulkhead(path string, spec Bulkhead, o buildOptions) (*bulkhead.Bulkhead, error) {
	var opts []bulkhead.Option
	if o.clock != nil {
		opts = append(opts, bulkhead.WithClock(o.clock))
	}
	if spec.MaxWait != nil {
		if err := f.nonNegative(path+".max_wait", *spec.MaxWait); err != nil {
			return nil, err
		}
		opts = append(opts, bulkhead.WithMaxWait(spec.MaxWait.D()))
	}
	bh := bulkhead.New(spec.MaxConcurrent, opts...)
	if err := bh.Err(); err != nil {
		return nil, f.errPath(path+".max_concurrent", err)
	}
	return bh, nil
}

// newThrottle builds a throttle, each setting checked on its own.
func (f *File) newThrottle(path string, spec Throttle, o buildOptions) (*throttle.Throttle, error) {
	var opts []throttle.Option
	if o.clock != nil {
		opts = append(opts, throttle.WithClock(o.clock))
	}
	for _, c := range []struct {
		field string
		set   bool
		opt   func() throttle.Option
	}{
		{"k", spec.K != nil, func() throttle.Option { return throttle.WithK(*spec.K) }},
		{"padding", spec.Padding != nil, func() throttle.Option { return throttle.WithPadding(*spec.Padding) }},
		{"window", spec.Window != nil, func() throttle.Option { return throttle.WithWindow(spec.Window.D()) }},
	} {
		if !c.set {
			continue
		}
		if err := throttle.New(c.opt()).Err(); err != nil {
			return nil, f.errPath(path+"."+c.field, err)
		}
		opts = append(opts, c.opt())
	}
	return throttle.New(opts...), nil
}

// checkPattern reports whether a policy key is an operation name, a
// prefix pattern ending in ".*", or "*".
func checkPattern(name string) error {
	switch i := strings.IndexByte(name, '*'); {
	case name == "":
		return errors.New("empty policy name")
	case i < 0, name == "*":
		return nil
	case i == len(name)-1 && strings.HasSuffix(name, ".*") && len(name) > 2:
		return nil
	}
	return fmt.Errorf("bad pattern %q: a '*' may only end a name, after a dot (\"users.*\"), or stand alone (\"*\")", name)
}

// PolicyOptions returns the redress options of the policy named name in
// f, with the breakers, budgets, bulkheads and throttles it names built
// afresh on the clock opts give (WithClock). It is what a Registry builds
// each policy from; `redress sim` uses it to run one policy alone.
func (f *File) PolicyOptions(name string, opts ...Option) ([]redress.Option, error) {
	var o buildOptions
	for _, opt := range opts {
		opt.apply(&o)
	}
	b, err := f.build(o, nil)
	if err != nil {
		return nil, err
	}
	if _, ok := f.Policies[name]; !ok {
		return nil, &Error{File: f.name, Err: fmt.Errorf("no policy named %q", name)}
	}
	return f.policyOptions(name, b, o)
}

func (f *File) policyOptions(name string, b *built, o buildOptions) ([]redress.Option, error) {
	spec, path := f.Policies[name], "policies["+strconv.Quote(name)+"]"
	var opts []redress.Option
	if o.clock != nil {
		opts = append(opts, redress.WithClock(o.clock))
	}
	if !strings.Contains(name, "*") {
		opts = append(opts, redress.WithOperation(name))
	}
	var ro []retry.Option
	addRetry := func(field string, opt retry.Option) error {
		if _, err := retry.New(opt); err != nil {
			return f.errPath(path+"."+field, err)
		}
		ro = append(ro, opt)
		return nil
	}
	if spec.MaxAttempts != nil {
		if err := addRetry("max_attempts", retry.WithMaxAttempts(*spec.MaxAttempts)); err != nil {
			return nil, err
		}
	}
	if spec.MaxUnknownAttempts != nil {
		if err := addRetry("max_unknown_attempts", retry.WithMaxUnknownAttempts(*spec.MaxUnknownAttempts)); err != nil {
			return nil, err
		}
	}
	for _, k := range sorted(spec.MaxAttemptsFor) {
		field := "max_attempts_for[" + strconv.Quote(k) + "]"
		c, err := f.class(path+"."+field, k, true)
		if err != nil {
			return nil, err
		}
		if err := addRetry(field, retry.WithMaxAttemptsFor(c, spec.MaxAttemptsFor[k])); err != nil {
			return nil, err
		}
	}
	if spec.NoDefaultBackoff {
		ro = append(ro, retry.WithoutDefaultBackoff())
	}
	if spec.Backoff != nil {
		s, err := f.strategy(path+".backoff", spec.Backoff)
		if err != nil {
			return nil, err
		}
		ro = append(ro, retry.WithBackoff(s))
	}
	for _, k := range sorted(spec.BackoffFor) {
		field := path + ".backoff_for[" + strconv.Quote(k) + "]"
		c, err := f.class(field, k, true)
		if err != nil {
			return nil, err
		}
		st := spec.BackoffFor[k]
		s, err := f.strategy(field, &st)
		if err != nil {
			return nil, err
		}
		ro = append(ro, retry.WithBackoffFor(c, s))
	}
	if spec.MaxRetryAfter != nil {
		if err := addRetry("max_retry_after", retry.WithMaxRetryAfter(spec.MaxRetryAfter.D())); err != nil {
			return nil, err
		}
	}
	opts = append(opts, redress.WithRetry(ro...))
	addOpt := func(field string, opt redress.Option) error {
		if _, err := redress.New(opt); err != nil {
			return f.errPath(path+"."+field, err)
		}
		opts = append(opts, opt)
		return nil
	}
	if d := spec.Deadline; d != nil {
		opt := redress.WithDeadline(d.D())
		if *d == NoDeadline {
			opt = redress.WithoutDeadline()
		}
		if err := addOpt("deadline", opt); err != nil {
			return nil, err
		}
	}
	if d := spec.AttemptTimeout; d != nil {
		if err := addOpt("attempt_timeout", redress.WithAttemptTimeout(d.D())); err != nil {
			return nil, err
		}
	}
	if spec.Breaker != "" {
		br, ok := b.breakers[spec.Breaker]
		if !ok {
			return nil, f.errPath(path+".breaker", undefined("breaker", spec.Breaker, f.Breakers))
		}
		opts = append(opts, redress.WithBreaker(br))
	}
	if spec.Budget != "" {
		bud, ok := b.budgets[spec.Budget]
		if !ok {
			return nil, f.errPath(path+".budget", undefined("budget", spec.Budget, f.Budgets))
		}
		opts = append(opts, redress.WithBudget(bud))
	}
	if spec.Bulkhead != "" {
		bh, ok := b.bulkheads[spec.Bulkhead]
		if !ok {
			return nil, f.errPath(path+".bulkhead", undefined("bulkhead", spec.Bulkhead, f.Bulkheads))
		}
		opts = append(opts, redress.WithBulkhead(bh))
	}
	if spec.Throttle != "" {
		t, ok := b.throttles[spec.Throttle]
		if !ok {
			return nil, f.errPath(path+".throttle", undefined("throttle", spec.Throttle, f.Throttles))
		}
		opts = append(opts, redress.WithThrottle(t))
	}
	for i, c := range spec.Calls {
		if c == "" {
			return nil, f.errPath(fmt.Sprintf("%s.calls[%d]", path, i), errors.New("empty operation name"))
		}
	}
	return opts, nil
}

func undefined[V any](kind, name string, m map[string]V) error {
	if len(m) == 0 {
		return fmt.Errorf("no %s named %q: the file defines no %ss", kind, name, kind)
	}
	return fmt.Errorf("no %s named %q (%ss: %s)", kind, name, kind, strings.Join(sorted(m), ", "))
}

// class parses a class name; the position is the map key's when key.
func (f *File) class(path, s string, key bool) (classifier.Class, error) {
	c, ok := classifier.ParseClass(s)
	if ok {
		return c, nil
	}
	names := make([]string, 0, classifier.NumClasses)
	for _, c := range classifier.Classes() {
		names = append(names, c.String())
	}
	err := fmt.Errorf("unknown class %q (classes: %s)", s, strings.Join(names, ", "))
	if key {
		return 0, f.errKey(path, err)
	}
	return 0, f.errPath(path, err)
}

func (f *File) nonNegative(path string, d Duration) error {
	if d < 0 {
		return f.errPath(path, fmt.Errorf("must not be negative, got %v", d))
	}
	return nil
}

// strategy builds a backoff strategy. The backoff constructors normalise
// a negative duration to 0 and a max below base to base; a file that
// says so is refused instead, as it is surely a mistake.
func (f *File) strategy(path string, s *Strategy) (backoff.Strategy, error) {
	n := 0
	for _, set := range []bool{s.Constant != nil, s.Exponential != nil, s.FullJitter != nil, s.EqualJitter != nil,
		s.DecorrelatedJitter != nil, s.Token != nil, s.RetryAfterOr != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, f.errPath(path, fmt.Errorf("want exactly one strategy of constant, exponential, full_jitter, equal_jitter, decorrelated_jitter, token, retry_after_or; got %d", n))
	}
	kind := s.Kind()
	path += "." + kind
	switch {
	case s.Constant != nil:
		if err := f.nonNegative(path+".delay", s.Constant.Delay); err != nil {
			return nil, err
		}
		return backoff.Constant(s.Constant.Delay.D()), nil
	case s.RetryAfterOr != nil:
		fb, err := f.strategy(path+".fallback", &s.RetryAfterOr.Fallback)
		if err != nil {
			return nil, err
		}
		var opts []backoff.Option
		if s.RetryAfterOr.Seed != nil {
			opts = append(opts, backoff.WithSeed(*s.RetryAfterOr.Seed))
		}
		return backoff.RetryAfterOr(fb, opts...), nil
	}
	p := s.Params()
	if err := f.nonNegative(path+".base", p.Base); err != nil {
		return nil, err
	}
	if p.Max < p.Base {
		return nil, f.errPath(path+".max", fmt.Errorf("must not be below base %v, got %v", p.Base, p.Max))
	}
	var opts []backoff.Option
	if p.Seed != nil {
		opts = append(opts, backoff.WithSeed(*p.Seed))
	}
	base, cap := p.Base.D(), p.Max.D()
	switch kind {
	case "exponential":
		return backoff.Exponential(base, cap), nil
	case "full_jitter":
		return backoff.FullJitter(base, cap, opts...), nil
	case "equal_jitter":
		return backoff.EqualJitter(base, cap, opts...), nil
	case "decorrelated_jitter":
		return backoff.DecorrelatedJitter(base, cap, opts...), nil
	default:
		return backoff.Token(base, cap, opts...), nil
	}
}

func (f *File) newBreaker(path string, spec Breaker, o buildOptions) (*breaker.Breaker, error) {
	var opts []breaker.Option
	if o.clock != nil {
		opts = append(opts, breaker.WithClock(o.clock))
	}
	add := func(field string, opt breaker.Option) error {
		if err := breaker.New(opt).Err(); err != nil {
			return f.errPath(path+"."+field, err)
		}
		opts = append(opts, opt)
		return nil
	}
	if spec.ConsecutiveFailures != nil && spec.FailureRate != nil {
		return nil, f.errPath(path+".failure_rate", errors.New("give consecutive_failures or failure_rate, not both: each is a mode of its own"))
	}
	var errs []error
	try := func(field string, set bool, opt func() breaker.Option) {
		if set && len(errs) == 0 {
			if err := add(field, opt()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	try("failure_threshold", spec.FailureThreshold != nil, func() breaker.Option { return breaker.WithFailureThreshold(*spec.FailureThreshold) })
	try("window", spec.Window != nil, func() breaker.Option { return breaker.WithWindow(spec.Window.D()) })
	try("recovery_timeout", spec.RecoveryTimeout != nil, func() breaker.Option { return breaker.WithRecoveryTimeout(spec.RecoveryTimeout.D()) })
	if spec.TripOn != nil && len(errs) == 0 {
		classes := make([]classifier.Class, 0, len(spec.TripOn))
		for i, s := range spec.TripOn {
			c, err := f.class(fmt.Sprintf("%s.trip_on[%d]", path, i), s, false)
			if err != nil {
				return nil, err
			}
			classes = append(classes, c)
		}
		try("trip_on", true, func() breaker.Option { return breaker.WithTripOn(classes...) })
	}
	for _, k := range sorted(spec.ClassThresholds) {
		field := "class_thresholds[" + strconv.Quote(k) + "]"
		c, err := f.class(path+"."+field, k, true)
		if err != nil {
			return nil, err
		}
		try(field, true, func() breaker.Option { return breaker.WithClassThreshold(c, spec.ClassThresholds[k]) })
	}
	try("half_open_probes", spec.HalfOpenProbes != nil, func() breaker.Option { return breaker.WithHalfOpenProbes(*spec.HalfOpenProbes) })
	try("success_threshold", spec.SuccessThreshold != nil, func() breaker.Option { return breaker.WithSuccessThreshold(*spec.SuccessThreshold) })
	try("consecutive_failures", spec.ConsecutiveFailures != nil, func() breaker.Option { return breaker.WithConsecutiveFailures(*spec.ConsecutiveFailures) })
	try("failure_rate", spec.FailureRate != nil, func() breaker.Option {
		return breaker.WithFailureRate(spec.FailureRate.Ratio, spec.FailureRate.MinCalls)
	})
	try("max_probe_wait", spec.MaxProbeWait != nil, func() breaker.Option { return breaker.WithMaxProbeWait(spec.MaxProbeWait.D()) })
	if len(errs) > 0 {
		return nil, errs[0]
	}
	br := breaker.New(opts...)
	if err := br.Err(); err != nil {
		return nil, f.errPath(path, err)
	}
	return br, nil
}

func (f *File) newBudget(path string, spec Budget, o buildOptions) (budget.Budget, error) {
	n := 0
	for _, set := range []bool{spec.Window != nil, spec.Ratio != nil, spec.TokenBucket != nil, spec.Quota != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, f.errPath(path, fmt.Errorf("want exactly one budget kind of window, ratio, token_bucket, quota; got %d", n))
	}
	var opts []budget.Option
	if o.clock != nil {
		opts = append(opts, budget.WithClock(o.clock))
	}
	type errer interface{ Err() error }
	// first returns the error of the first field whose value alone its
	// constructor refuses.
	first := func(kind string, checks ...fieldCheck) error {
		for _, c := range checks {
			if c.set {
				if err := c.make().(errer).Err(); err != nil {
					return f.errPath(path+"."+kind+"."+c.field, err)
				}
			}
		}
		return nil
	}
	switch {
	case spec.Window != nil:
		w := spec.Window
		if w.Buckets != nil {
			opts = append(opts, budget.WithBuckets(*w.Buckets))
		}
		err := first("window",
			fieldCheck{"max_retries", true, func() any { return budget.New(w.MaxRetries, time.Minute) }},
			fieldCheck{"window", true, func() any { return budget.New(1, w.Window.D()) }},
			fieldCheck{"buckets", w.Buckets != nil, func() any { return budget.New(1, time.Minute, budget.WithBuckets(*w.Buckets)) }})
		if err != nil {
			return nil, err
		}
		return checked(f, path, budget.New(w.MaxRetries, w.Window.D(), opts...))
	case spec.Ratio != nil:
		r := spec.Ratio
		if r.TTL != nil {
			opts = append(opts, budget.WithTTL(r.TTL.D()))
		}
		if r.MinPerSecond != nil {
			opts = append(opts, budget.WithMinPerSecond(*r.MinPerSecond))
		}
		if r.Buckets != nil {
			opts = append(opts, budget.WithBuckets(*r.Buckets))
		}
		err := first("ratio",
			fieldCheck{"ratio", true, func() any { return budget.NewRatio(r.Ratio) }},
			fieldCheck{"ttl", r.TTL != nil, func() any { return budget.NewRatio(0.1, budget.WithTTL(r.TTL.D())) }},
			fieldCheck{"min_per_second", r.MinPerSecond != nil, func() any { return budget.NewRatio(0.1, budget.WithMinPerSecond(*r.MinPerSecond)) }},
			fieldCheck{"buckets", r.Buckets != nil, func() any { return budget.NewRatio(0.1, budget.WithBuckets(*r.Buckets)) }})
		if err != nil {
			return nil, err
		}
		return checked(f, path, budget.NewRatio(r.Ratio, opts...))
	case spec.TokenBucket != nil:
		t := spec.TokenBucket
		err := first("token_bucket",
			fieldCheck{"max_tokens", true, func() any { return budget.NewTokenBucket(t.MaxTokens, 1) }},
			fieldCheck{"token_ratio", true, func() any { return budget.NewTokenBucket(10, t.TokenRatio) }})
		if err != nil {
			return nil, err
		}
		return checked(f, path, budget.NewTokenBucket(t.MaxTokens, t.TokenRatio, opts...))
	default:
		q := spec.Quota
		var checks []fieldCheck
		for _, c := range []struct {
			field string
			v     *int
			opt   func(int) budget.Option
		}{
			{"capacity", q.Capacity, budget.WithCapacity},
			{"retry_cost", q.RetryCost, budget.WithRetryCost},
			{"timeout_cost", q.TimeoutCost, budget.WithTimeoutCost},
			{"throttle_cost", q.ThrottleCost, budget.WithThrottleCost},
			{"no_retry_increment", q.NoRetryIncrement, budget.WithNoRetryIncrement},
		} {
			if c.v == nil {
				continue
			}
			opt := c.opt(*c.v)
			opts = append(opts, opt)
			checks = append(checks, fieldCheck{c.field, true, func() any { return budget.NewQuota(opt) }})
		}
		if err := first("quota", checks...); err != nil {
			return nil, err
		}
		return checked(f, path, budget.NewQuota(opts...))
	}
}

type fieldCheck struct {
	field string
	set   bool
	make  func() any
}

func checked[B interface {
	budget.Budget
	Err() error
}](f *File, path string, b B) (budget.Budget, error) {
	if err := b.Err(); err != nil {
		return nil, f.errPath(path, err)
	}
	return b, nil
}

func sorted[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
