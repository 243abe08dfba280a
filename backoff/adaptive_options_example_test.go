package backoff_test

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/backoff"
)

// failAll tells a strategy of n failures in a row.
func failAll(a *backoff.AdaptiveStrategy, n int) {
	for range n {
		a.Record(false)
	}
}

// Each failure while the success rate is below the threshold multiplies
// the delay factor, up to the maximum factor.
func ExampleWithMultiplier() {
	a := backoff.Adaptive(backoff.Constant(100*time.Millisecond), backoff.WithMultiplier(3), backoff.WithMaxFactor(10),
		backoff.WithMemory(1)) // every failure counts at once
	failAll(a, 3)
	fmt.Println(a.Factor())
	// Output: 10
}

// The factor never grows past the maximum.
func ExampleWithMaxFactor() {
	a := backoff.Adaptive(backoff.Constant(time.Second), backoff.WithMaxFactor(4))
	failAll(a, 10)
	fmt.Println(a.Factor())
	// Output: 4
}

// Failures stretch the delays only while the recent success rate is below
// the threshold.
func ExampleWithThreshold() {
	a := backoff.Adaptive(backoff.Constant(time.Second), backoff.WithThreshold(0.5), backoff.WithMemory(2))
	a.Record(true)
	a.Record(true)
	a.Record(false) // the rate is still at or above 0.5: no stretch yet
	fmt.Println(a.Factor())
	// Output: 1
}

// Each success takes back a share of the factor's excess over 1.
func ExampleWithRecovery() {
	a := backoff.Adaptive(backoff.Constant(time.Second), backoff.WithRecovery(0.5), backoff.WithMemory(1))
	failAll(a, 2) // factor 4
	a.Record(true)
	fmt.Println(a.Factor())
	// Output: 2.5
}

// Memory is how many recent outcomes the success rate weighs most.
func ExampleWithMemory() {
	a := backoff.Adaptive(backoff.Constant(time.Second), backoff.WithMemory(1))
	failAll(a, 1)
	fmt.Println(a.Factor())
	// Output: 2
}
