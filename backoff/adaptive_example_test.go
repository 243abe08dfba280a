package backoff_test

import (
	"fmt"
	"time"

	"github.com/redress-go/redress/backoff"
)

func ExampleAdaptive() {
	a := backoff.Adaptive(backoff.Constant(100*time.Millisecond), backoff.AdaptiveConfig{})
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
