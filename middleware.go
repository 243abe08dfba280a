package redress

import (
	"context"
	"errors"
	"time"
)

// Attempt describes one attempt to the middleware around it.
type Attempt struct {
	// Number is the attempt's 1-based number within its call.
	Number int
	// Operation is the operation's name (WithOperation), or "".
	Operation string

	run func(ctx context.Context) error // runs the attempt itself
}

// Handler is one attempt's step in the pipeline: it runs the attempt (by
// calling the next handler) and returns its error, nil for success.
type Handler func(ctx context.Context, a *Attempt) error

// Middleware wraps a Handler with behaviour of its own: logging, metrics,
// a rate limiter, a bulkhead. It may call next once, or not at all to fail
// the attempt without running it; the error it returns is classified like
// an operation error. Middleware given with WithMiddleware wraps every
// attempt, inside the retry loop and outside the attempt's timeout; the
// first middleware given is the outermost.
//
// Per-attempt hooks (the Python library's on_attempt_start and
// on_attempt_end) are middleware: run code before and after next.
type Middleware func(next Handler) Handler

// runAttempt is the innermost handler: the attempt itself.
func runAttempt(ctx context.Context, a *Attempt) error { return a.run(ctx) }

// chain builds the handler that runs mw around an attempt, first outermost.
func chain(mw []Middleware) Handler {
	h := Handler(runAttempt)
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
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
		c.dirty |= dirtyMiddleware | dirtyStages
	})
}

// Call describes a whole call: to the call middleware around it (see
// WithCallMiddleware), and as the report WithReport fills in. Operation
// is set before the middleware runs; the other fields are set when the
// call has ended.
type Call struct {
	// Operation is the operation's name (WithOperation), or "".
	Operation string
	// Attempts is the number of attempts that reached the operation.
	Attempts int
	// Hedges is the number of hedges started (WithHedging).
	Hedges int
	// Slept is the time spent sleeping between attempts.
	Slept time.Duration
	// Elapsed is the time from the start of the call to its end, before
	// any fallback.
	Elapsed time.Duration
	// StopReason is why the call stopped without success, or "" when it
	// succeeded. It is kept when a fallback then saved the call.
	StopReason StopReason
	// FellBack reports whether the fallback (WithFallback) ran.
	FellBack bool

	run func(ctx context.Context) error
	ran bool
}

// CallHandler is the whole call's step in the pipeline: it runs the call
// (by calling the next handler) and returns its error, nil for success.
type CallHandler func(ctx context.Context, c *Call) error

// CallMiddleware wraps a whole call: tracing spans, metrics of calls
// rather than attempts, logging with the call's outcome. It is the
// outermost layer of the pipeline, outside the fallback and the breaker,
// so it sees the error Execute will return, and the ctx it passes to next
// is the one every stage, observer and attempt gets: a span it puts there
// is the parent of the attempts' work. It may call next at most once (a
// second call fails without running anything), or not at all to fail the
// call without running it; what it returns is what Execute returns.
type CallMiddleware func(next CallHandler) CallHandler

// errCallRunTwice is what a call middleware gets for running a call twice.
var errCallRunTwice = errors.New("redress: call middleware ran the call twice")

// runCall is the innermost call handler: the call itself.
func runCall(ctx context.Context, c *Call) error { return c.run(ctx) }

// chainCall builds the handler that runs mw around a call, first outermost.
func chainCall(mw []CallMiddleware) CallHandler {
	h := CallHandler(runCall)
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// WithCallMiddleware adds middleware around the whole call, outside every
// other stage: it runs once per Execute, whatever the retries. The first
// middleware given is the outermost. Repeating adds after the middleware
// already given. Default none.
func WithCallMiddleware(mw ...CallMiddleware) Option {
	return optionFunc(func(c *config) {
		for _, m := range mw {
			if m == nil {
				c.invalid(invalidf("WithCallMiddleware", "middleware is nil"))
				return
			}
		}
		c.callMiddleware = append(c.callMiddleware[:len(c.callMiddleware):len(c.callMiddleware)], mw...)
		c.dirty |= dirtyCallMiddleware
	})
}
