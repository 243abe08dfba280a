package bulkhead_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/redresstest"
)

func ExampleNew() {
	// Two slots; a caller that finds both taken waits up to 50 ms.
	bh := bulkhead.New(2, bulkhead.WithMaxWait(50*time.Millisecond))
	fmt.Println(bh.Limit(), bh.InUse(), bh.Err())

	// Invalid input does not panic: Err says what is wrong, and the
	// bulkhead lets nobody in.
	bad := bulkhead.New(0)
	fmt.Println(errors.Is(bad.Err(), bulkhead.ErrInvalidConfig), bad.TryAcquire())
	// Output:
	// 2 0 <nil>
	// true false
}

func ExampleBulkhead_TryAcquire() {
	bh := bulkhead.New(1)
	if bh.TryAcquire() {
		fmt.Println("first: in")
	}
	if !bh.TryAcquire() {
		fmt.Println("second: full, turned away at once")
	}
	bh.Release()
	fmt.Println("in use after Release:", bh.InUse())
	// Output:
	// first: in
	// second: full, turned away at once
	// in use after Release: 0
}

func ExampleBulkhead_Acquire() {
	clk := redresstest.NewAutoClock(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	bh := bulkhead.New(1, bulkhead.WithMaxWait(100*time.Millisecond), bulkhead.WithClock(clk))

	ctx := context.Background()
	if err := bh.Acquire(ctx); err == nil {
		fmt.Println("in; the slot is held")
	}
	// The only slot stays taken: the next caller waits the full 100 ms
	// (on the auto-advancing fake clock, at once) and is turned away.
	err := bh.Acquire(ctx)
	fmt.Println(err, errors.Is(err, bulkhead.ErrFull), clk.Sleeps())

	// A caller whose context has ended does not wait, and learns why.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	fmt.Println(bh.Acquire(cancelled))
	bh.Release()
	// Output:
	// in; the slot is held
	// bulkhead: full true [100ms]
	// context canceled
}
