package redressredis

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// NewHook returns a go-redis hook that runs every command and pipeline
// under the policy built from opts (see redress.New): its breaker, budget,
// retries and timeouts. Add it to a client with AddHook:
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
//	rdb.AddHook(redressredis.NewHook(policy))
//
// Set go-redis's own MaxRetries to -1, as above: go-redis retries inside
// the hook (its default is 3 retries), so leaving it on multiplies the
// attempts (up to 4 × the policy's) and hides them from the budget. To
// let the policy's timeouts (redress.WithAttemptTimeout, the deadline)
// cut a command that waits for its reply, set ContextTimeoutEnabled: true
// as well; without it go-redis waits for ReadTimeout (3 s by default).
//
// The policy uses Classifier unless opts set a classifier with
// redress.WithClassifier. Each command runs under the operation name of
// the policy (redress.WithOperation) or, when it has none, the command's
// name in lower case ("get", "hset"); pipelines are named "pipeline" and
// transactions (MULTI/EXEC) "multi". Do not give the policy
// redress.WithHedging: a go-redis command cannot be sent twice at once.
//
// # What is retried
//
// A command that the server refused without running it (LOADING,
// TRYAGAIN, CLUSTERDOWN, MASTERDOWN, READONLY, NOREPLICAS, BUSY, OOM, …:
// see Classifier), or that never reached it (the connection could not be
// made), is retried as the policy says, whatever the command. After a
// timeout or a broken connection the command may have run, and it is
// retried only if it is safe to run twice: reads, and writes that set
// rather than change (SET, but not INCR; SADD, but not LPUSH). Repeatable
// and SafeToRepeat add commands to that list. A pipeline or a transaction
// is retried only when the server refused every command in it; never
// after a timeout or a broken connection. A command that is not retried
// for this reason stops with class PERMANENT, with DetailNotRepeated in
// the classification's details (so the policy's breaker counts it as an
// answer, unless it trips on PERMANENT).
//
// # What it returns
//
// Each command gets the error go-redis would have given it: the server's
// reply (so err == redis.Nil and redis.HasErrorPrefix work as without the
// hook) or the network error of the last attempt. A miss (redis.Nil) is an
// answer: the hook counts it as a success for the breaker, the budget and
// the events. A command refused by an open breaker fails with the
// policy's *redress.StopError, for which errors.Is(err, breaker.ErrOpen)
// holds; one whose context was done before it started fails with the
// StopError too, which matches the context's error.
//
// NewHook does not panic on invalid options: every command and pipeline
// then fails with the error of redress.New, which matches
// redress.ErrInvalidConfig, and nothing is sent to the server.
//
// go-redis's own connection set-up (HELLO, AUTH, CLIENT SETINFO, SELECT,
// and the OnConnect callback) runs outside the policy, as part of the
// command that needed the connection.
func NewHook(opts ...redress.Option) redis.Hook {
	h := &hook{repeatable: map[string]bool{}}
	policyOpts := make([]redress.Option, 0, len(opts)+1)
	policyOpts = append(policyOpts, redress.WithDefaultClassifier(Classifier))
	for _, o := range opts {
		if ho, ok := o.(hookOption); ok {
			ho.set(h)
			continue
		}
		policyOpts = append(policyOpts, o)
	}
	p, err := redress.New(policyOpts...)
	if err != nil {
		h.err = err
		return h
	}
	// The policy's classifier, under one that stops the retries that
	// could run a command twice.
	base := p.Classifier()
	h.policy, h.err = redress.New(p, redress.WithClassifier(classifier.Func(func(err error) classifier.Classification {
		var nr *notRepeatedError
		c := base.Classify(err)
		if errors.As(err, &nr) && c.Class.Retryable() {
			d := make(map[string]string, len(c.Details)+1)
			for k, v := range c.Details {
				d[k] = v
			}
			d[DetailNotRepeated] = nr.name
			c = classifier.Classification{Class: classifier.Permanent, Details: d}
		}
		return c
	})))
	h.named = p.Operation() != ""
	return h
}

// Repeatable returns an option for NewHook that adds commands to those the
// hook sends again after a timeout or a broken connection, when they may
// have run already: name a command (in any case, "INCR") only if running
// it twice does no harm in your application. With no names, every single
// command is repeatable (pipelines and transactions still are not).
//
// The option is read by NewHook itself: give it to NewHook directly, not
// inside a policy (it does nothing anywhere else). By default only the
// commands listed under "What is retried" in NewHook are repeatable;
// repeating the option adds names.
func Repeatable(commands ...string) redress.Option {
	return hookOption{Option: noop, set: func(h *hook) {
		if len(commands) == 0 {
			h.repeatAll = true
		}
		for _, c := range commands {
			h.repeatable[strings.ToLower(c)] = true
		}
	}}
}

// SafeToRepeat returns a copy of ctx under which the hook treats every
// command as safe to run twice: commands given this context are retried
// after a timeout or a broken connection, whatever they are. Use it for a
// call whose effect the application makes idempotent, such as a Lua
// script that checks a request ID. Pipelines and transactions are still
// not retried after a timeout or a broken connection.
func SafeToRepeat(ctx context.Context) context.Context {
	return context.WithValue(ctx, safeKey{}, true)
}

type safeKey struct{}

// hookOption is an option for NewHook that is not a policy option. It
// embeds a redress.Option that does nothing, so that it is harmless if it
// ends up in redress.New.
type hookOption struct {
	redress.Option
	set func(*hook)
}

var noop = redress.WithMiddleware()

type hook struct {
	policy     *redress.Policy
	err        error
	named      bool            // the policy has an operation name of its own
	repeatAll  bool            // Repeatable()
	repeatable map[string]bool // Repeatable(names...)
	policies   sync.Map        // command name → the policy under that name
}

// insideKey marks the context a hook passes to go-redis, so that the
// commands go-redis sends in it to set up a connection (HELLO, CLIENT
// SETINFO, …) pass through the hook outside the policy.
type insideKey struct{ h *hook }

func (h *hook) inside(ctx context.Context) bool { return ctx.Value(insideKey{h}) != nil }

// DialHook returns next: making a connection is part of the command that
// needed it.
func (h *hook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook runs each command under the policy.
func (h *hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.inside(ctx) || ctx.Value(bypassKey{}) != nil || setupCommand(cmd) {
			return next(ctx, cmd)
		}
		if h.err != nil {
			return h.err
		}
		c := &cmdCall{h: h, next: next, cmd: cmd, safe: h.safeToRepeat(cmd) || ctx.Value(safeKey{}) != nil}
		err := redress.Do(ctx, c.run, h.policyFor(cmd.Name()))
		if err == nil || c.attempts > 0 {
			return c.last
		}
		return err
	}
}

// ProcessPipelineHook runs each pipeline and transaction under the policy.
func (h *hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.inside(ctx) || ctx.Value(bypassKey{}) != nil || allSetup(cmds) {
			return next(ctx, cmds)
		}
		if h.err != nil {
			setErr(cmds, h.err)
			return h.err
		}
		name := "pipeline"
		if len(cmds) > 0 && cmds[0].Name() == "multi" {
			name = "multi"
		}
		c := &pipeCall{h: h, next: next, cmds: cmds, name: name}
		err := redress.Do(ctx, c.run, h.policyFor(name))
		if err == nil || c.attempts > 0 {
			return c.last
		}
		setErr(cmds, err)
		return err
	}
}

// policyFor returns the policy for a call of the named command: the
// hook's, under the command's name unless the policy has a name of its
// own. The policies are built once per name and kept, so that a call
// builds none.
func (h *hook) policyFor(name string) *redress.Policy {
	if h.named {
		return h.policy
	}
	if p, ok := h.policies.Load(name); ok {
		return p.(*redress.Policy)
	}
	p, err := redress.New(h.policy, redress.WithOperation(name))
	if err != nil {
		// Not reached: the hook's policy is valid, and so is any name.
		return h.policy
	}
	actual, _ := h.policies.LoadOrStore(name, p)
	return actual.(*redress.Policy)
}

// cmdCall is one command's call: its attempts and their last error.
type cmdCall struct {
	h        *hook
	next     redis.ProcessHook
	cmd      redis.Cmder
	safe     bool
	attempts int
	last     error
}

func (c *cmdCall) run(ctx context.Context) error {
	c.attempts++
	err := c.next(context.WithValue(ctx, insideKey{c.h}, true), c.cmd)
	c.last = err
	switch {
	case err == nil, errors.Is(err, redis.Nil):
		return nil
	case !c.safe && !answered(err) && !refused(err):
		return &notRepeatedError{err: err, name: c.cmd.Name()}
	}
	return err
}

// pipeCall is one pipeline's or transaction's call.
type pipeCall struct {
	h        *hook
	next     redis.ProcessPipelineHook
	cmds     []redis.Cmder
	name     string // "pipeline" or "multi"
	attempts int
	last     error
}

func (c *pipeCall) run(ctx context.Context) error {
	c.attempts++
	err := c.next(context.WithValue(ctx, insideKey{c.h}, true), c.cmds)
	c.last = err
	// The pipeline's failure is its own error, else the first command's
	// error other than a miss.
	failure := err
	allRefused := err == nil || refused(err)
	for _, cmd := range c.cmds {
		cerr := cmd.Err()
		if cerr == nil || errors.Is(cerr, redis.Nil) {
			allRefused = false
			continue
		}
		if failure == nil {
			failure = cerr
		}
		if !refused(cerr) {
			allRefused = false
		}
	}
	if failure == nil {
		return nil
	}
	if !allRefused {
		return &notRepeatedError{err: failure, name: c.name}
	}
	return failure
}

// notRepeatedError is the failure of an attempt that must not be repeated:
// the command may have run, and running it twice is not safe.
type notRepeatedError struct {
	err  error
	name string
}

func (e *notRepeatedError) Error() string { return e.err.Error() }
func (e *notRepeatedError) Unwrap() error { return e.err }

// setupCommand reports whether cmd is one that go-redis sends to set up a
// connection, outside any command of the caller.
func setupCommand(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth":
		return true
	case "client":
		args := cmd.Args()
		if len(args) > 1 {
			if sub, ok := args[1].(string); ok {
				switch strings.ToLower(sub) {
				case "setinfo", "setname", "tracking", "maint_notifications":
					return true
				}
			}
		}
	}
	return false
}

func allSetup(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if !setupCommand(c) {
			return false
		}
	}
	return len(cmds) > 0
}

func setErr(cmds []redis.Cmder, err error) {
	for _, c := range cmds {
		c.SetErr(err)
	}
}
