package throttle_test

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

// K is how many requests per accept the backend may see before the client
// starts refusing: the lower, the sooner it refuses.
func ExampleWithK() {
	for _, k := range []float64{1, 2} {
		th := throttle.New(throttle.WithK(k), throttle.WithPadding(1), throttle.WithSeed(1))
		for i := range 100 {
			th.Record(i < 40) // the backend accepted 40 of 100
		}
		fmt.Printf("K=%v: %.3f\n", k, th.Probability()) // max(0, (100 − K·40) / (100 + 1))
	}
	// Output:
	// K=1: 0.594
	// K=2: 0.198
}

// Counts leave the window as it rolls on the throttle's clock.
func ExampleWithWindow() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	th := throttle.New(throttle.WithWindow(time.Minute), throttle.WithClock(clk), throttle.WithPadding(1))
	for range 10 {
		th.Record(false)
	}
	fmt.Printf("%.3f\n", th.Probability())
	clk.Advance(time.Minute)
	fmt.Printf("%.3f\n", th.Probability())
	// Output:
	// 0.909
	// 0.000
}

// The clock of the window: a fake one in tests.
func ExampleWithClock() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	th := throttle.New(throttle.WithClock(clk))
	fmt.Println(th.Err())
	// Output: <nil>
}

// A seed makes the throttle's refusals the same on every run.
func ExampleWithSeed() {
	refusals := func() (n int) {
		th := throttle.New(throttle.WithSeed(42), throttle.WithPadding(1))
		for range 100 {
			th.Record(false)
		}
		for range 1000 {
			if !th.Allow() {
				n++
			}
		}
		return n
	}
	fmt.Println(refusals() == refusals())
	// Output: true
}
