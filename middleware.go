package redress

import "context"

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
