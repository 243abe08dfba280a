package throttle_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/throttle"
)

func ExampleNew() {
	// K = 2, a padding of 8 and a 2-minute window; the seed and the fake
	// clock make the example's refusals the same on every run.
	clk := redresstest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(1))
	fmt.Println(th.Err(), th.Probability())

	// Invalid options do not panic: Err says what is wrong, and the
	// throttle refuses everything.
	bad := throttle.New(throttle.WithK(0.5))
	fmt.Println(errors.Is(bad.Err(), throttle.ErrInvalidConfig), bad.Allow())
	// Output:
	// <nil> 0
	// true false
}

// Allow before sending, Record once the backend has answered. While the
// backend sheds everything, the throttle stops sending most requests.
func ExampleThrottle_Allow() {
	clk := redresstest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(1))
	sent := 0
	for range 1000 {
		if !th.Allow() {
			continue // throttle.ErrThrottled: not sent
		}
		sent++
		th.Record(false) // the backend answered 503 every time
	}
	fmt.Printf("sent %d of 1000; refusing now with probability %.3f\n", sent, th.Probability())
	// Output:
	// sent 42 of 1000; refusing now with probability 0.992
}

func ExampleThrottle_Probability() {
	clk := redresstest.NewClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	th := throttle.New(throttle.WithClock(clk), throttle.WithSeed(1))
	for i := range 100 {
		th.Record(i < 25) // 100 requests, 25 accepted
	}
	fmt.Printf("%.3f\n", th.Probability()) // (100 − 2·25) / (100 + 8)
	clk.Advance(2 * time.Minute)           // the window has passed
	fmt.Println(th.Probability())
	// Output:
	// 0.463
	// 0
}

// One failure with no other history: the SRE book's +1 refuses the next
// request half of the time; the default padding of 8, one time in nine.
func ExampleWithPadding() {
	for _, padding := range []float64{1, 8} {
		th := throttle.New(throttle.WithPadding(padding), throttle.WithSeed(1))
		th.Record(false)
		fmt.Printf("padding %v: %.3f\n", padding, th.Probability())
	}
	// Output:
	// padding 1: 0.500
	// padding 8: 0.111
}

func ExampleAccepted() {
	for _, c := range []classifier.Class{classifier.Permanent, classifier.RateLimit, classifier.ServerError} {
		fmt.Println(c, throttle.Accepted(c))
	}
	// Output:
	// PERMANENT true
	// RATE_LIMIT false
	// SERVER_ERROR false
}
