package breaker_test

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

// record makes one call through br that ends with outcome o and class cl.
func record(br *breaker.Breaker, o breaker.Outcome, cl classifier.Class) {
	if t, err := br.Allow(); err == nil {
		br.Record(t, o, cl)
	}
}

func ExampleWithFailureThreshold() {
	br := breaker.New(breaker.WithFailureThreshold(2))
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.State())
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.State())
	// Output:
	// closed
	// open
}

// Failures older than the window stop counting.
func ExampleWithWindow() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithClock(clk), breaker.WithWindow(10*time.Second))
	record(br, breaker.Failure, classifier.Transient)
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.FailureCount())
	clk.Advance(10 * time.Second)
	fmt.Println(br.FailureCount())
	// Output:
	// 2
	// 0
}

func ExampleWithRecoveryTimeout() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(
		breaker.WithClock(clk),
		breaker.WithFailureThreshold(1),
		breaker.WithRecoveryTimeout(5*time.Second),
	)
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(4 * time.Second)
	fmt.Println(br.State())
	clk.Advance(time.Second)
	fmt.Println(br.State())
	// Output:
	// open
	// half_open
}

// Only the classes the breaker trips on count; any other failure means the
// dependency answered.
func ExampleWithTripOn() {
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithTripOn(classifier.ServerError))
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println(br.State())
	record(br, breaker.Failure, classifier.ServerError)
	fmt.Println(br.State())
	// Output:
	// closed
	// open
}

// A dependency that starts rate limiting opens the breaker sooner than
// other failures do.
func ExampleWithClassThreshold() {
	br := breaker.New(
		breaker.WithFailureThreshold(10),
		breaker.WithClassThreshold(classifier.RateLimit, 2),
	)
	record(br, breaker.Failure, classifier.RateLimit)
	fmt.Println(br.State())
	record(br, breaker.Failure, classifier.RateLimit)
	fmt.Println(br.State())
	// Output:
	// closed
	// open
}

// In the failure-rate mode the breaker opens when half the calls of the
// window fail, once it has seen at least 4.
func ExampleWithFailureRate() {
	br := breaker.New(breaker.WithFailureRate(0.5, 4))
	record(br, breaker.Failure, classifier.Transient)
	record(br, breaker.Failure, classifier.Transient)
	fmt.Println("2 failed of 2:", br.State())
	record(br, breaker.Success, classifier.Unknown)
	fmt.Println("2 failed of 3:", br.State())
	record(br, breaker.Success, classifier.Unknown)
	fmt.Println("2 failed of 4:", br.State())
	// Output:
	// 2 failed of 2: closed
	// 2 failed of 3: closed
	// 2 failed of 4: open
}

// Three probes must all succeed before the breaker closes again.
func ExampleWithHalfOpenProbes() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(
		breaker.WithClock(clk),
		breaker.WithFailureThreshold(1),
		breaker.WithHalfOpenProbes(3),
	)
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(30 * time.Second)

	var probes []breaker.Ticket
	for range 4 {
		t, err := br.Allow()
		if err != nil {
			fmt.Println("rejected:", err)
			continue
		}
		probes = append(probes, t)
	}
	for _, t := range probes {
		br.Record(t, breaker.Success, classifier.Unknown)
		fmt.Println(br.State())
	}
	// Output:
	// rejected: breaker: circuit half-open, all probe slots taken
	// half_open
	// half_open
	// closed
}

// Tests drive a breaker on a fake clock: no test waits for real time.
func ExampleWithClock() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1))
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(time.Minute)
	fmt.Println(br.State())
	// Output: half_open
}

func ExampleWithOnStateChange() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(
		breaker.WithClock(clk),
		breaker.WithFailureThreshold(1),
		breaker.WithOnStateChange(func(from, to breaker.State) {
			fmt.Printf("circuit %v -> %v\n", from, to)
		}),
	)
	record(br, breaker.Failure, classifier.Transient)
	clk.Advance(30 * time.Second)
	record(br, breaker.Success, classifier.Unknown)
	// Output:
	// circuit closed -> open
	// circuit open -> half_open
	// circuit half_open -> closed
}
