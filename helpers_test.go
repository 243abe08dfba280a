package redress_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redress-go/redress"
)

var epoch = time.Unix(0, 0)

// script returns an operation that fails with errs in turn, then returns
// value, and a pointer to the number of times it was called.
func script[T any](value T, errs ...error) (func(context.Context) (T, error), *int) {
	calls := 0
	return func(context.Context) (T, error) {
		calls++
		if calls <= len(errs) {
			var zero T
			return zero, errs[calls-1]
		}
		return value, nil
	}, &calls
}

// events records what an observer is told.
type events struct {
	mu   sync.Mutex
	list []redress.Event
}

func (r *events) Observe(_ context.Context, e redress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, e)
}

func (r *events) names() []redress.EventName {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []redress.EventName
	for _, e := range r.list {
		out = append(out, e.Name)
	}
	return out
}

func (r *events) all() []redress.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]redress.Event(nil), r.list...)
}

func mustNew(t *testing.T, opts ...redress.Option) *redress.Policy {
	t.Helper()
	p, err := redress.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func noRetries(ctx context.Context) context.Context { return redress.NoRetriesForTest(ctx) }
