package redresstest

import (
	"context"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/internal/clock"
	"github.com/redress-go/redress/internal/testhooks"
)

// InstantRetries returns an option that makes a policy's sleeps take no
// time while every decision stays what it would be: the same classes,
// caps, budget checks, events and stop reasons, and the same virtual
// elapsed times, so a call that would have slept into its deadline still
// stops with DEADLINE_EXCEEDED. Pass it where the code under test accepts
// redress options, after the policy it uses:
//
//	client := NewClient(redresstest.InstantRetries())
//
// It is redress.WithClock with an auto clock (see NewAutoClock) that
// starts at the real time at which InstantRetries is called, not at a
// fixed instant, for two reasons: the deadline of a caller's context made
// with context.WithTimeout is compared with the clock, and an operation
// that does real I/O under an attempt timeout gets a context deadline in
// the future, which net/http and net.Dialer honour. Each call of
// InstantRetries makes a new clock; to assert on the clock itself, make
// one with NewAutoClock and pass redress.WithClock(clk) instead.
//
// An attempt timeout fires only when the auto clock moves, that is during
// a sleep, so an operation that waits for its context to end is never
// timed out under InstantRetries: test that with NewClock and Advance, or
// on the real clock inside testing/synctest.
//
// Only the policy's clock is instant: a breaker or budget made without
// its own WithClock still reads the real time, so a budget's window does
// not refill during virtual backoff. Where that matters, make one auto
// clock and give it to all of them.
//
// The auto clock has one timeline, and each sleep moves it for everyone:
// calls that run at the same time on one InstantRetries see each other's
// sleeps as time passing, so a deadline can cut them short. Give each test
// its own InstantRetries, and test concurrent calls on a policy without a
// deadline (redress.WithoutDeadline) or on the real clock inside
// testing/synctest, whose time moves for all goroutines at once.
func InstantRetries() redress.Option {
	return redress.WithClock(NewAutoClock(clock.Real.Now()))
}

// NoRetries returns a copy of ctx under which every Execute and Do runs its
// operation once: a failure that would have been retried stops the call
// with MAX_ATTEMPTS_GLOBAL (and its max_attempts_exceeded event) instead.
// Everything else is unchanged: the failure is classified, a PERMANENT one
// still stops with NON_RETRYABLE_CLASS, breakers and budgets are asked as
// usual, and a policy's configuration is not touched.
//
// It is a context value and not a package-level switch because tests run
// in parallel (t.Parallel) in one process, and often share policies:
// turning retries off for the whole process would change the calls of
// every other test running at the same time. A context belongs to one
// test, and reaches the code under test the way production requests do.
func NoRetries(ctx context.Context) context.Context {
	return testhooks.WithNoRetries(ctx)
}
