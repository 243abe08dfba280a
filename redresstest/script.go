package redresstest

import (
	"context"
	"sync"
)

// Script is an operation that plays back a fixed list of outcomes: it
// fails with each of its errors in turn, one per call, and then returns
// its value on every later call. Pass its Call method to redress.Execute,
// or its Do method to redress.Do, and ask Calls how often the policy
// called it:
//
//	op := redresstest.FailTimes(2, errUnavailable, "ok")
//	v, err := redress.Execute(ctx, op.Call, policy) // "ok", nil after 3 calls
//
// A Script ignores the context it is given, so its outcomes depend on
// nothing but the number of calls before. It is safe for concurrent use;
// concurrent calls take the outcomes in the order they get them.
type Script[T any] struct {
	mu     sync.Mutex
	value  T
	errs   []error
	always error
	calls  int
}

// FailThen returns an operation that fails with errs in turn, then returns
// v, nil. With no errs it succeeds at once.
func FailThen[T any](v T, errs ...error) *Script[T] {
	return &Script[T]{value: v, errs: append([]error(nil), errs...)}
}

// FailTimes returns an operation that fails with err n times, then returns
// v, nil.
func FailTimes[T any](n int, err error, v T) *Script[T] {
	errs := make([]error, max(n, 0))
	for i := range errs {
		errs[i] = err
	}
	return &Script[T]{value: v, errs: errs}
}

// AlwaysFail returns an operation that fails with err on every call,
// returning the zero T. With a nil err it always succeeds with the zero T.
func AlwaysFail[T any](err error) *Script[T] {
	return &Script[T]{always: err}
}

// Call is the operation: it returns the outcome for this call.
func (s *Script[T]) Call(context.Context) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	var zero T
	switch {
	case s.always != nil:
		return zero, s.always
	case s.calls <= len(s.errs):
		return zero, s.errs[s.calls-1]
	}
	return s.value, nil
}

// Do is Call for redress.Do: it returns only the error.
func (s *Script[T]) Do(ctx context.Context) error {
	_, err := s.Call(ctx)
	return err
}

// Calls returns how many times the operation has been called.
func (s *Script[T]) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}
