package bulkhead_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/redresstest"
)

// A caller that finds every slot taken waits up to the maximum wait for
// one, then is turned away with ErrFull.
func ExampleWithMaxWait() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	bh := bulkhead.New(1, bulkhead.WithMaxWait(250*time.Millisecond), bulkhead.WithClock(clk))
	bh.TryAcquire() // the only slot, held
	fmt.Println(bh.Acquire(context.Background()), clk.Sleeps())
	// Output: bulkhead: full [250ms]
}

// The maximum wait runs on the bulkhead's clock: a fake one in tests.
func ExampleWithClock() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	bh := bulkhead.New(1, bulkhead.WithMaxWait(time.Second), bulkhead.WithClock(clk))
	bh.TryAcquire()
	done := make(chan error)
	go func() { done <- bh.Acquire(context.Background()) }()
	clk.WaitForSleepers(1)
	bh.Release() // a slot comes back before the wait ends: the waiter gets it
	fmt.Println(<-done, bh.InUse())
	// Output: <nil> 1
}
