package breaker_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

var errUnavailable = errors.New("503 service unavailable")

// classify says what kind of failure a call to the dependency had.
func classify(err error) classifier.Class {
	if errors.Is(err, errUnavailable) {
		return classifier.ServerError
	}
	return classifier.Unknown
}

// A breaker shared by every caller of one dependency stops calling it once
// it keeps failing.
func Example() {
	br := breaker.New(breaker.WithFailureThreshold(3))
	callInventory := func() error { return errUnavailable }

	for i := 1; i <= 4; i++ {
		err := br.Do(callInventory, classify)
		if errors.Is(err, breaker.ErrOpen) {
			fmt.Printf("call %d: not made, the breaker is open\n", i)
			continue
		}
		fmt.Printf("call %d: %v (breaker %v)\n", i, err, br.State())
	}
	// Output:
	// call 1: 503 service unavailable (breaker closed)
	// call 2: 503 service unavailable (breaker closed)
	// call 3: 503 service unavailable (breaker open)
	// call 4: not made, the breaker is open
}

func ExampleNew() {
	br := breaker.New(
		breaker.WithFailureThreshold(5),
		breaker.WithWindow(time.Minute),
		breaker.WithRecoveryTimeout(30*time.Second),
		breaker.WithTripOn(classifier.Transient, classifier.ServerError),
		breaker.WithClassThreshold(classifier.RateLimit, 3),
		breaker.WithHalfOpenProbes(1),
	)
	fmt.Println(br.State(), br.FailureCount(), br.Err())
	// Output: closed 0 <nil>
}

// An invalid option does not panic: the breaker reports it, and rejects
// every call with it.
func ExampleBreaker_Err() {
	br := breaker.New(breaker.WithFailureThreshold(0))
	fmt.Println(br.Err())
	_, err := br.Allow()
	fmt.Println(errors.Is(err, breaker.ErrInvalidConfig))
	// Output:
	// breaker: invalid configuration: WithFailureThreshold(0): n must be at least 1
	// true
}

// Allow and Record guard code that cannot be wrapped in a function. Every
// ticket goes back to Record.
func ExampleBreaker_Allow() {
	br := breaker.New(breaker.WithFailureThreshold(1))

	ticket, err := br.Allow()
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	// ... make the call; it fails with a TRANSIENT error ...
	tr := br.Record(ticket, breaker.Failure, classifier.Transient)
	fmt.Println("recorded:", tr)

	_, err = br.Allow()
	fmt.Println("rejected:", errors.Is(err, breaker.ErrOpen))
	// Output:
	// recorded: closed->open
	// rejected: true
}

// An outcome reported after the breaker changed state is stale and
// ignored.
func ExampleBreaker_Record() {
	br := breaker.New(breaker.WithFailureThreshold(1))
	slow, _ := br.Allow()
	fast, _ := br.Allow()
	br.Record(fast, breaker.Failure, classifier.Transient) // opens the breaker
	br.Reset()
	tr := br.Record(slow, breaker.Failure, classifier.Transient) // from before the change
	fmt.Println(tr.Changed(), br.State(), br.FailureCount())
	// Output: false closed 0
}

func ExampleBreaker_Do() {
	br := breaker.New()
	err := br.Do(func() error { return nil }, classify)
	fmt.Println(err, br.State())
	// Output: <nil> closed
}

// State reports half-open as soon as the recovery timeout has passed; the
// next call is the probe.
func ExampleBreaker_State() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1))
	br.Do(func() error { return errUnavailable }, classify)
	fmt.Println(br.State())

	clk.Advance(30 * time.Second)
	fmt.Println(br.State())

	br.Do(func() error { return nil }, classify) // the probe succeeds
	fmt.Println(br.State())
	// Output:
	// open
	// half_open
	// closed
}

func ExampleBreaker_IsOpen() {
	br := breaker.New()
	br.ForceOpen()
	fmt.Println(br.IsOpen())
	// Output: true
}

func ExampleBreaker_FailureCount() {
	br := breaker.New()
	br.Do(func() error { return errUnavailable }, classify)        // SERVER_ERROR: counted
	br.Do(func() error { return errors.New("no such") }, classify) // UNKNOWN: the dependency answered
	fmt.Println(br.FailureCount())
	// Output: 1
}

func ExampleBreaker_LastFailure() {
	clk := redresstest.NewClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	br := breaker.New(breaker.WithClock(clk))
	fmt.Println(br.LastFailure().IsZero())
	clk.Advance(time.Minute)
	br.Do(func() error { return errUnavailable }, classify)
	fmt.Println(br.LastFailure())
	// Output:
	// true
	// 2025-06-01 12:01:00 +0000 UTC
}

// Operators can take a dependency out of use, and put it back.
func ExampleBreaker_ForceOpen() {
	br := breaker.New()
	fmt.Println(br.ForceOpen())
	_, err := br.Allow()
	fmt.Println(err)
	fmt.Println(br.Reset())
	// Output:
	// closed->open
	// breaker: circuit forced open
	// open->closed
}

func ExampleBreaker_Reset() {
	br := breaker.New(breaker.WithFailureThreshold(2))
	br.Do(func() error { return errUnavailable }, classify)
	fmt.Println(br.FailureCount())
	fmt.Println(br.Reset().Changed(), br.FailureCount())
	// Output:
	// 1
	// false 0
}

func ExampleOpenError() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1))
	br.Do(func() error { return errUnavailable }, classify)
	clk.Advance(10 * time.Second)

	err := br.Do(func() error { return nil }, classify)
	var oe *breaker.OpenError
	if errors.As(err, &oe) {
		fmt.Println(errors.Is(err, breaker.ErrOpen), oe.State, oe.RetryIn)
	}
	// Output: true open 20s
}
