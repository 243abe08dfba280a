// Package redresstest helps test code that uses redress, without real
// sleeping, flaky timing or guesswork about what a policy did.
//
//   - Time: NewAutoClock and NewClock are fake clocks for WithClock (and
//     for breakers and budgets); InstantRetries keeps every retry decision
//     but sleeps no time; Sequence gives exact delays.
//   - Attempts: NoRetries makes every Execute under a context run its
//     operation once, without touching the code under test.
//   - Assertions: a Recorder, as observer and middleware, records events,
//     calls, attempts, classes and sleeps.
//   - Fakes: Breaker and Budget stand in for a circuit breaker and a retry
//     budget with scripted answers, and record what they were told;
//     FailThen, FailTimes and AlwaysFail are scripted operations.
//
// Code on the real clock also runs under testing/synctest, where time
// moves only when every goroutine in the bubble is blocked; see the
// testing guide (docs/testing.md) for when to use which.
//
// Everything in this package is safe for concurrent use and waits on no
// real time.
package redresstest
