// Package redress runs calls to flaky dependencies under a failure policy.
//
// Each failure is classified into a semantic class (TRANSIENT, RATE_LIMIT,
// SERVER_ERROR, PERMANENT, …; see package classifier) and the class decides
// whether to retry, how long to back off, whether a circuit breaker should
// fail fast and whether a shared retry budget can afford another retry.
//
//	user, err := redress.Execute(ctx, func(ctx context.Context) (User, error) {
//		return api.User(ctx, id)
//	})
//
// A *Policy, built once with New from With... options, is immutable, safe
// for concurrent use and is itself an Option, so later options override it
// for one call, without rebuilding it. Execute with a prebuilt policy and
// no other option makes no allocation on the success path without a
// deadline of the policy's own (WithoutDeadline, or a caller's deadline
// that ends first), and one with it: the call's context, made once per
// call and armed only when the operation waits on its Done channel.
//
// # The pipeline
//
// A call runs through stackable stages, outermost first:
//
//	[call middleware] → fallback → breaker → budget → retry
//	    → [attempt middleware] → throttle → bulkhead → hedging → timeout → operation
//
// Stages that are not configured cost nothing. Call middleware
// (WithCallMiddleware) wraps the whole call once; the fallback
// (WithFallback) turns a failed call into a degraded answer, after the
// breaker has recorded the failure.
//
// The breaker (WithBreaker) is asked once per call; if it rejects, the
// operation is not called and the call fails with StopCircuitOpen. After
// the retry loop the call records exactly one outcome with it: success, or
// a failure of a class not in the breaker's trip classes, counts as a
// success; a failure of a tripping class counts as a failure; an ABORTED
// call, or one that a bulkhead or throttle refused, counts as neither and
// frees the half-open probe slot it held; a panic in the operation counts
// as a failure and is re-raised unchanged.
//
// The budget (WithBudget) must grant every retry and every hedge, never a
// first attempt. Attempt middleware (WithMiddleware) wraps every attempt.
// The throttle (WithThrottle) rejects attempts locally while the backend
// rejects most of them; the bulkhead (WithBulkhead) bounds how many
// attempts run at once; hedging (WithHedging) starts another invocation
// of a slow attempt. The timeout stage runs each attempt under its own
// context, cut at the earlier of the attempt timeout (WithAttemptTimeout)
// and the call's deadline (WithDeadline). Operations are cooperative: they
// must honour their context, because Go offers no way to stop a goroutine
// from outside. A call whose context is already done runs nothing: it
// stops at once with 0 attempts.
//
// WithOrder moves the breaker, throttle, bulkhead and attempt middleware
// around the retry loop: before it they run once per call, after it once
// per attempt (a breaker per attempt, for example).
//
// # What happens when attempt n fails
//
// In this order; the first rule that fires ends the decision.
//
//  1. The caller's context is done (not our own attempt timeout): stop,
//     ABORTED. The caller's cancellation is never retried.
//  2. Failures of this class so far exceed retry.WithMaxAttemptsFor: stop,
//     MAX_ATTEMPTS_PER_CLASS (0 means that class is never retried).
//  3. The class is PERMANENT, AUTH or PERMISSION: stop, NON_RETRYABLE_CLASS.
//  4. The class is UNKNOWN and UNKNOWN failures so far exceed
//     retry.WithMaxUnknownAttempts: stop, MAX_UNKNOWN_ATTEMPTS.
//  5. n is the last attempt allowed (retry.WithMaxAttempts): stop,
//     MAX_ATTEMPTS_GLOBAL. No delay is computed, no budget is spent and no
//     retry event is emitted for a retry that will not happen.
//  6. No strategy for the class: stop, NO_STRATEGY.
//  7. Compute the delay (a server's Retry-After is capped first, at 5
//     minutes by default); a negative delay is 0.
//  8. The delay would end at or after the call's deadline, or after the
//     caller's context deadline: stop now, DEADLINE_EXCEEDED. redress never
//     sleeps into a certain timeout.
//  9. The budget denies the retry (or fails): stop, BUDGET_EXHAUSTED.
//  10. Emit the retry event; in defer mode (retry.WithDefer) stop with
//     SCHEDULED and the delay in StopError.NextDelay.
//  11. Sleep on the clock; the caller's context ends the sleep at once
//     (ABORTED).
//
// An attempt that hit redress's own timeout is TRANSIENT: its error
// matches classifier.ErrAttemptTimeout.
//
// # Errors
//
// A call that does not succeed returns a *StopError with the stop reason,
// the number of attempts, the last class and the elapsed time. It wraps
// the last operation error, so errors.Is(err, errUpstream) holds; a
// BUDGET_EXHAUSTED stop also matches budget.ErrExhausted, a CIRCUIT_OPEN
// stop matches breaker.ErrOpen, and an ABORTED stop matches the caller's
// context error. Invalid options give an error matching ErrInvalidConfig
// that names the option, and the operation is not called.
//
// # Observing
//
// Observers (WithObserver) are told of each retry and hedge, of the
// call's one terminal event and of its fallback, plus breaker state
// changes the call caused; see Event and SlogObserver. Per-attempt hooks are middleware: code run before and
// after next in a Middleware sees every attempt.
//
// # Testing
//
// Package redresstest has fake clocks for WithClock: NewAutoClock makes
// every sleep return at once while recording it, NewClock makes sleeps
// wait for Advance. On the real clock, Execute also runs inside
// testing/synctest.
//
// # Where things are
//
// redress.go holds Execute, Do, Policy and how options resolve for a call;
// options.go the core options; middleware.go attempt and call middleware;
// pipeline.go the stages and WithOrder; guards.go the breaker, budget,
// bulkhead and throttle as guards of one shape; loop.go the retry loop and
// how a call stops; attempt.go the attempt's context and the operation;
// hedge.go, fallback.go and adaptive.go the optional stages; events.go,
// slog.go and errors.go what a call reports.
package redress
