package breaker_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

// In the consecutive-failures mode a success ends the run: the breaker
// opens only on three failures in a row.
func ExampleWithConsecutiveFailures() {
	br := breaker.New(breaker.WithConsecutiveFailures(3))
	record(br, breaker.Failure, classifier.Transient)
	record(br, breaker.Failure, classifier.Transient)
	record(br, breaker.Success, classifier.Unknown) // the run ends
	record(br, breaker.Failure, classifier.Transient)
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.State(), br.Metrics().ConsecutiveFailures)
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.State())
	// Output:
	// closed 2
	// open
}

// With one probe out at a time and three successes needed, each probe that
// succeeds makes room for the next.
func ExampleWithSuccessThreshold() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(
		breaker.WithClock(clk),
		breaker.WithFailureThreshold(1),
		breaker.WithHalfOpenProbes(1),
		breaker.WithSuccessThreshold(3),
	)
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(30 * time.Second)

	for i := 1; i <= 3; i++ {
		t, err := br.Allow()
		if err != nil {
			fmt.Println("rejected:", err)
			return
		}
		if _, err := br.Allow(); err != nil {
			fmt.Printf("probe %d out, the next call: %v\n", i, err)
		}
		br.Record(t, breaker.Success, classifier.Unknown)
		fmt.Printf("probe %d succeeded: %v\n", i, br.State())
	}
	// Output:
	// probe 1 out, the next call: breaker: circuit half-open, all probe slots taken
	// probe 1 succeeded: half_open
	// probe 2 out, the next call: breaker: circuit half-open, all probe slots taken
	// probe 2 succeeded: half_open
	// probe 3 out, the next call: breaker: circuit half-open, all probe slots taken
	// probe 3 succeeded: closed
}

// A probe whose ticket is lost no longer holds the breaker half-open: once
// the probe wait has passed its slot is reclaimed, and its outcome, if it
// ever comes, is ignored.
func ExampleWithMaxProbeWait() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(
		breaker.WithClock(clk),
		breaker.WithFailureThreshold(1),
		breaker.WithMaxProbeWait(time.Minute),
	)
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(30 * time.Second)

	lost, _ := br.Allow() // a probe whose outcome never comes back
	_, err := br.Allow()
	fmt.Println(err)

	clk.Advance(time.Minute)
	probe, err := br.Allow()
	fmt.Println("after a minute:", err)
	fmt.Println("the lost probe, late:", br.Record(lost, breaker.Failure, classifier.Transient).Changed())
	fmt.Println("the new probe:", br.Record(probe, breaker.Success, classifier.Unknown))
	// Output:
	// breaker: circuit half-open, all probe slots taken
	// after a minute: <nil>
	// the lost probe, late: false
	// the new probe: half_open->closed
}

// A health endpoint or dashboard reads a snapshot of the breaker.
func ExampleBreaker_Metrics() {
	clk := redresstest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	br := breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(2))
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(time.Second)
	record(br, breaker.Failure, classifier.ServerError) // opens
	record(br, breaker.Success, classifier.Unknown)     // rejected

	m := br.Metrics()
	fmt.Println(m.State, m.StateSince.Format(time.TimeOnly), m.OpenUntil.Format(time.TimeOnly))
	fmt.Println("failures:", m.Failures, "rejected:", m.Rejected)
	// Output:
	// open 12:00:01 12:00:31
	// failures: 2 rejected: 1
}

// Another process of the fleet tripped: open this one too, for as long as
// is left there.
func ExampleBreaker_OpenFor() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithClock(clk))
	fmt.Println(br.OpenFor(20 * time.Second))
	_, err := br.Allow()
	fmt.Println(err)
	clk.Advance(20 * time.Second)
	fmt.Println(br.State())
	// Output:
	// closed->open
	// breaker: circuit open, retry in 20s
	// half_open
}

// Failures counted by other processes of the fleet count here too.
func ExampleBreaker_AddFailures() {
	br := breaker.New(breaker.WithFailureThreshold(5))
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.AddFailures(3, classifier.ServerError).Changed(), br.FailureCount())
	fmt.Println(br.AddFailures(1, classifier.Transient))
	// Output:
	// false 4
	// closed->open
}

// A server that sheds load while the breaker is open tells its callers
// when to come back.
func ExampleBreaker_OpenUntil() {
	clk := redresstest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	br := breaker.New(breaker.WithClock(clk), breaker.WithRecoveryTimeout(45*time.Second))
	fmt.Println(br.OpenUntil().IsZero())
	br.OpenFor(0) // the recovery timeout
	clk.Advance(5 * time.Second)
	fmt.Println("Retry-After:", br.OpenUntil().Sub(clk.Now()).Seconds())

	_, err := br.Allow()
	var oe *breaker.OpenError
	if errors.As(err, &oe) {
		fmt.Println("the rejection says:", oe.RetryIn)
	}
	// Output:
	// true
	// Retry-After: 40
	// the rejection says: 40s
}
