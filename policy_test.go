package redress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

// always classifies every error as c.
func always(c classifier.Class) classifier.Classifier {
	return classifier.Func(func(error) classifier.Classification { return classifier.Classification{Class: c} })
}

func TestWithDefaultClassifier(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name         string
		give         []redress.Option
		wantAttempts int
	}{
		{"default classifier used", []redress.Option{redress.WithDefaultClassifier(always(classifier.Permanent))}, 1},
		{"WithClassifier wins after", []redress.Option{
			redress.WithDefaultClassifier(always(classifier.Permanent)),
			redress.WithClassifier(always(classifier.Transient))}, 6},
		{"WithClassifier wins before", []redress.Option{
			redress.WithClassifier(always(classifier.Transient)),
			redress.WithDefaultClassifier(always(classifier.Permanent))}, 6},
		{"inside a policy, under the caller's", []redress.Option{
			redress.WithDefaultClassifier(always(classifier.Permanent)),
			redress.MustNew(redress.WithClassifier(always(classifier.Transient)))}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append(tt.give, redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
			calls := 0
			err := redress.Do(context.Background(), func(context.Context) error { calls++; return errBoom }, opts...)
			if err == nil || calls != tt.wantAttempts {
				t.Fatalf("calls = %d, err = %v; want %d calls and an error", calls, err, tt.wantAttempts)
			}
		})
	}
	if _, err := redress.New(redress.WithDefaultClassifier(nil)); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("WithDefaultClassifier(nil): err = %v, want ErrInvalidConfig", err)
	}
}

func TestPolicyAccessors(t *testing.T) {
	br := redresstest.NewBreaker(breaker.Closed)
	p := redress.MustNew(redress.WithOperation("op"), redress.WithoutDeadline(),
		redress.WithAttemptTimeout(time.Second), redress.WithBreaker(br),
		redress.WithDefaultClassifier(always(classifier.Auth)))
	if got := p.Classifier().Classify(errors.New("x")).Class; got != classifier.Auth {
		t.Errorf("Classifier() class = %v, want AUTH", got)
	}
	if p.Operation() != "op" || p.Deadline() != 0 || p.AttemptTimeout() != time.Second ||
		p.Breaker() != br || p.Budget() != nil || p.Retry().MaxAttempts() != 6 || p.Clock() == nil {
		t.Errorf("accessors: op %q deadline %v timeout %v breaker %v budget %v attempts %d",
			p.Operation(), p.Deadline(), p.AttemptTimeout(), p.Breaker(), p.Budget(), p.Retry().MaxAttempts())
	}
	if d := redress.MustNew().Deadline(); d != redress.DefaultDeadline {
		t.Errorf("default Deadline() = %v, want %v", d, redress.DefaultDeadline)
	}
}
