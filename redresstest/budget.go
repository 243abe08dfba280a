package redresstest

import (
	"context"
	"sync"

	"github.com/redress-go/redress/budget"
)

// Budget is a fake retry budget for redress.WithBudget: it grants a fixed
// number of retries, then denies every one, and records what the pipeline
// asked and told it. It is a budget.Learner too, so the pipeline reports
// requests and outcomes to it; Requests and Outcomes return them.
//
// A Budget is safe for concurrent use. Make a new one per test.
type Budget struct {
	mu        sync.Mutex
	remaining int
	err       error
	granted   int
	denied    int
	requests  int
	outcomes  []bool
}

var (
	_ budget.Budget  = (*Budget)(nil)
	_ budget.Learner = (*Budget)(nil)
)

// NewBudget returns a fake budget that grants n retries and then denies
// every retry. NewBudget(0) denies the first retry; NewBudget(math.MaxInt)
// never runs out in a test.
func NewBudget(n int) *Budget {
	return &Budget{remaining: max(n, 0)}
}

// AllowRetry grants the retry and spends one from the budget while any are
// left, and denies it with (false, nil) once none are. While SetErr has set
// an error it returns (false, that error) instead and spends nothing, as a
// budget whose store is down would.
func (b *Budget) AllowRetry(context.Context) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		b.denied++
		return false, b.err
	}
	if b.remaining == 0 {
		b.denied++
		return false, nil
	}
	b.remaining--
	b.granted++
	return true, nil
}

// SetErr makes every later AllowRetry fail with err; nil undoes it.
func (b *Budget) SetErr(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
}

// RecordRequest counts a request: the pipeline calls it once per call.
func (b *Budget) RecordRequest() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests++
}

// RecordOutcome records the outcome of an attempt.
func (b *Budget) RecordOutcome(success bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.outcomes = append(b.outcomes, success)
}

// Remaining returns how many retries the budget will still grant.
func (b *Budget) Remaining() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.remaining
}

// Granted returns how many retries AllowRetry granted.
func (b *Budget) Granted() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.granted
}

// Denied returns how many retries AllowRetry denied, counting those it
// failed with SetErr's error.
func (b *Budget) Denied() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.denied
}

// Requests returns how many times RecordRequest was called.
func (b *Budget) Requests() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.requests
}

// Outcomes returns every outcome given to RecordOutcome, in order: true for
// a success.
func (b *Budget) Outcomes() []bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]bool(nil), b.outcomes...)
}
