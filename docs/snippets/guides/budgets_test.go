package guides_test

// The code of docs/budgets.md (its copy of ClassAware is in
// copies_test.go; the AWS SDK comparison is in contrib/aws).

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestBudgetsGuidePolicies(t *testing.T) {
	{
		bud := budget.New(100, time.Minute) // at most 100 retries per rolling minute

		policy, err := redress.New(
			redress.WithRetry(retry.WithMaxAttempts(4)),
			redress.WithBudget(bud),
		)
		if err != nil || policy == nil {
			t.Fatal(err)
		}
	}
	{
		q := budget.NewQuota() // the SDK's defaults

		policy, err := redress.New(
			redress.WithRetry(retry.WithMaxAttempts(3)), // the SDK's default attempts
			redress.WithBudget(q),
		)
		if err != nil || policy == nil {
			t.Fatal(err)
		}
	}
}

// op is the operation of the hand-written loops: it fails while opErrs
// holds errors, taking them in turn.
var (
	opErrs  []error
	opCalls int
)

func op(context.Context) error {
	opCalls++
	if len(opErrs) == 0 {
		return nil
	}
	err := opErrs[0]
	opErrs = opErrs[1:]
	return err
}

var q = budget.NewQuota()

func call(ctx context.Context) error {
	var last classifier.Classification
	var lastErr error
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			q.RecordSuccess(attempt > 1, last, lastErr)
			return nil
		}
		c := classifier.Default.Classify(err)
		if !c.Class.Retryable() || attempt == 3 {
			return err
		}
		if ok, berr := q.AllowRetryFor(ctx, err, c); berr != nil || !ok {
			return errors.Join(err, budget.ErrExhausted) // fail closed
		}
		last, lastErr = c, err
	}
}

var bud = budget.New(100, time.Minute)

func callWithBudget(ctx context.Context) error {
	err := op(ctx)
	for attempt := 2; err != nil && attempt <= 4; attempt++ {
		ok, berr := bud.AllowRetry(ctx)
		if berr != nil || !ok {
			return errors.Join(err, budget.ErrExhausted) // fail closed
		}
		err = op(ctx)
	}
	return err
}

func TestBudgetsGuideLoops(t *testing.T) {
	ctx := context.Background()
	reset := classifier.MarkTransient(errors.New("reset"))

	opErrs, opCalls = []error{reset, reset}, 0
	before := q.Remaining()
	if err := call(ctx); err != nil || opCalls != 3 {
		t.Errorf("call: %v after %d calls, want success on the third", err, opCalls)
	}
	if q.Remaining() >= before {
		t.Errorf("quota %d after two retries, want less than %d (the last retry is refunded, not the first)", q.Remaining(), before)
	}

	opErrs, opCalls = []error{reset, reset, reset, reset, reset}, 0
	if err := callWithBudget(ctx); !errors.Is(err, reset) || opCalls != 4 {
		t.Errorf("callWithBudget: %v after %d calls, want the failure after 4", err, opCalls)
	}
	if got := bud.Remaining(); got != 97 {
		t.Errorf("budget left %d, want 97 after three retries", got)
	}
}

func TestBudgetsGuideShared(t *testing.T) {
	var inventoryBudget = budget.NewRatio(0.2)

	getItem := redress.MustNew(redress.WithOperation("inventory.get"), redress.WithBudget(inventoryBudget))
	listItems := redress.MustNew(redress.WithOperation("inventory.list"), redress.WithBudget(inventoryBudget))
	if getItem == listItems {
		t.Fatal("two operations, one policy")
	}
}

func TestBudgetsGuideFakeClock(t *testing.T) {
	ctx := context.Background()
	clk := redresstest.NewClock(time.Unix(0, 0))
	bud := budget.New(2, time.Minute, budget.WithClock(clk))
	bud.AllowRetry(ctx)
	bud.AllowRetry(ctx)
	clk.Advance(66 * time.Second) // past the bucket that held the spends
	_ = bud.Remaining()           // 2
	if got := bud.Remaining(); got != 2 {
		t.Errorf("Remaining() = %d, want 2", got)
	}
}
