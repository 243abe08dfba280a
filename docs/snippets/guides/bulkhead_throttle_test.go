package guides_test

// The code of docs/bulkhead.md and docs/throttling.md that is not an
// example of package bulkhead or throttle.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/throttle"
)

// withSlot runs work in a slot of a bulkhead.
func withSlot(ctx context.Context, work func() error) error {
	bh := bulkhead.New(20, bulkhead.WithMaxWait(50*time.Millisecond)) // 20 slots, wait up to 50 ms

	if err := bh.Acquire(ctx); err != nil {
		return err // bulkhead.ErrFull, or the context's error
	}
	defer bh.Release()
	return work()
}

func TestBulkheadGuide(t *testing.T) {
	ran := false
	if err := withSlot(context.Background(), func() error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("withSlot: ran %v, err %v", ran, err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := withSlot(cancelled, func() error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("withSlot(cancelled) = %v, want context.Canceled", err)
	}

	bh := bulkhead.New(20, bulkhead.WithMaxWait(50*time.Millisecond))
	policy := redress.MustNew(redress.WithBulkhead(bh))
	if _, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil }, policy); err != nil {
		t.Fatal(err)
	}
}

// sendThrottled sends a request unless the throttle rejects it locally.
func sendThrottled(ctx context.Context, send func(context.Context) (classifier.Class, error)) error {
	th := throttle.New() // K = 2, padding 8, a 2-minute window

	if !th.Allow() {
		return throttle.ErrThrottled // not sent
	}
	class, err := send(ctx)
	if ctx.Err() == nil { // a request the caller gave up on is not counted
		th.Record(err == nil || throttle.Accepted(class))
	}
	return err
}

func TestThrottlingGuide(t *testing.T) {
	errBusy := errors.New("503")
	err := sendThrottled(context.Background(), func(context.Context) (classifier.Class, error) {
		return classifier.ServerError, errBusy
	})
	if !errors.Is(err, errBusy) {
		t.Errorf("sendThrottled = %v, want the send's error", err)
	}

	th := throttle.New()
	policy := redress.MustNew(redress.WithThrottle(th))
	if _, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 1, nil }, policy); err != nil {
		t.Fatal(err)
	}
}
