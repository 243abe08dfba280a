package budget_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
)

// The price of a plain retry: what AllowRetry spends, and what
// AllowRetryFor spends after a failure that is neither a throttle nor a
// timeout.
func ExampleWithRetryCost() {
	q := budget.NewQuota(budget.WithCapacity(100), budget.WithRetryCost(25))
	q.AllowRetry(context.Background())
	fmt.Println(q.Remaining())
	// Output: 75
}

// A retry after throttling (RATE_LIMIT) is cheaper: the server said when.
func ExampleWithThrottleCost() {
	q := budget.NewQuota(budget.WithCapacity(100), budget.WithThrottleCost(1))
	q.AllowRetryFor(context.Background(), errors.New("429"), classifier.Classification{Class: classifier.RateLimit})
	fmt.Println(q.Remaining())
	// Output: 99
}

// A call that succeeds at its first attempt puts tokens back, up to the
// capacity.
func ExampleWithNoRetryIncrement() {
	q := budget.NewQuota(budget.WithCapacity(100), budget.WithNoRetryIncrement(3))
	q.AllowRetry(context.Background()) // 14
	q.RecordSuccess(false, classifier.Classification{}, nil)
	fmt.Println(q.Remaining())
	// Output: 89
}
