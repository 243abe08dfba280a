package backoff_test

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/backoff"
)

func ExampleAdaptive() {
	a := backoff.Adaptive(backoff.Constant(100 * time.Millisecond))
	// With redress, redress.WithAdaptive(a) tells it each attempt's outcome.
	for range 10 {
		a.Record(false) // the success rate falls below 0.9: delays rise
	}
	fmt.Printf("after failures: %v (factor %.0f)\n", a.Delay(backoff.Input{Attempt: 1}), a.Factor())
	for range 60 {
		a.Record(true) // the rate recovers: delays relax towards the base
	}
	fmt.Println("after recovering:", a.Delay(backoff.Input{Attempt: 1}).Round(time.Millisecond))
	// Output:
	// after failures: 1.6s (factor 16)
	// after recovering: 100ms
}

// Options change how fast the delays rise and relax; Err reports invalid
// ones.
func ExampleAdaptive_options() {
	a := backoff.Adaptive(backoff.Constant(100*time.Millisecond),
		backoff.WithThreshold(0.5), // rise only when fewer than half succeed
		backoff.WithMultiplier(3),  // tripling per failure
		backoff.WithMaxFactor(9),   // up to 9 times the base
		backoff.WithRecovery(1),    // back to the base at the first good success
		backoff.WithMemory(4))      // the rate weighs about the last 4 outcomes
	for range 5 {
		a.Record(false)
	}
	fmt.Println("after failures:", a.Delay(backoff.Input{Attempt: 1}))
	fmt.Println(backoff.Adaptive(backoff.Constant(time.Second), backoff.WithMemory(0)).Err())
	// Output:
	// after failures: 900ms
	// invalid backoff configuration: backoff.Adaptive: WithMemory(0): the memory must be at least 1
}
