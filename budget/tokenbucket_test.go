package budget

import (
	"context"
	"sync"
	"testing"
)

func TestTokenBucketGRPCVector(t *testing.T) {
	// The vector of gRPC C core's retry throttling test: maxTokens 4,
	// tokenRatio 1.6.
	b := NewTokenBucket(4, 1.6)
	steps := []struct {
		success       bool
		wantTokens    float64
		wantAllowed   bool
		wantRemaining int
	}{
		{false, 3, true, 1},
		{true, 4, true, 2}, // 4.6, capped
		{false, 3, true, 1},
		{false, 2, false, 0}, // not above half of 4
		{true, 3.6, true, 2},
		{false, 2.6, true, 1},
		{false, 1.6, false, 0},
		{false, 0.6, false, 0},
		{false, 0, false, 0}, // never below zero
		{false, 0, false, 0},
		{true, 1.6, false, 0},
	}
	for i, s := range steps {
		b.RecordOutcome(s.success)
		allowed, err := b.AllowRetry(context.Background())
		if err != nil {
			t.Fatalf("step %d: AllowRetry() error = %v", i, err)
		}
		if got := b.Tokens(); got != s.wantTokens {
			t.Errorf("step %d (success %t): Tokens() = %v, want %v", i, s.success, got, s.wantTokens)
		}
		if allowed != s.wantAllowed {
			t.Errorf("step %d (success %t): AllowRetry() = %t, want %t", i, s.success, allowed, s.wantAllowed)
		}
		if got := b.Remaining(); got != s.wantRemaining {
			t.Errorf("step %d (success %t): Remaining() = %d, want %d", i, s.success, got, s.wantRemaining)
		}
	}
}

func TestTokenBucketRemaining(t *testing.T) {
	tests := []struct {
		name      string
		maxTokens float64
		failures  int
		want      int
	}{
		{"full 4", 4, 0, 2},
		{"full 10", 10, 0, 5},
		{"full 1", 1, 0, 1},
		{"full 3", 3, 0, 2}, // allowed at 3 and 2, refused at 1.5 and below
		{"odd after one failure", 3, 1, 1},
		{"drained", 3, 2, 0},
		{"fractional", 2.5, 0, 2}, // allowed at 2.5 and 1.5, refused at 0.5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewTokenBucket(tt.maxTokens, 1)
			for range tt.failures {
				b.RecordOutcome(false)
			}
			if got := b.Remaining(); got != tt.want {
				t.Errorf("Remaining() = %d, want %d", got, tt.want)
			}
			// Remaining counts exactly the retries allowed while failing.
			allowed := 0
			for {
				ok, err := b.AllowRetry(context.Background())
				if err != nil || !ok {
					break
				}
				allowed++
				b.RecordOutcome(false)
			}
			if allowed != tt.want {
				t.Errorf("retries allowed while failing = %d, want Remaining() = %d", allowed, tt.want)
			}
		})
	}
}

func TestTokenBucketExactUnderConcurrency(t *testing.T) {
	b := NewTokenBucket(1000, 0.5)

	if got := grantsConcurrently(t, b, 1000); got != 1000 {
		t.Errorf("full bucket: %d of 1000 goroutines allowed, want all (asking spends nothing)", got)
	}
	outcomes := func(n int, success bool) {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() { b.RecordOutcome(success) })
		}
		wg.Wait()
	}
	steps := []struct {
		name        string
		n           int
		success     bool
		wantTokens  float64
		wantGranted int
	}{
		{"1200 failures drain to zero", 1200, false, 0, 0},
		{"900 successes add 450", 900, true, 450, 0},
		{"1000 successes add 500", 1000, true, 950, 1000},
		{"800 successes cap at 1000", 800, true, 1000, 1000},
		{"500 failures take 500", 500, false, 500, 0},
	}
	for _, s := range steps {
		outcomes(s.n, s.success)
		if got := b.Tokens(); got != s.wantTokens {
			t.Errorf("%s: Tokens() = %v, want %v", s.name, got, s.wantTokens)
		}
		if got := grantsConcurrently(t, b, 1000); got != s.wantGranted {
			t.Errorf("%s: %d of 1000 goroutines allowed, want %d", s.name, got, s.wantGranted)
		}
	}
}

func TestTokenBucketRoundsToThousandths(t *testing.T) {
	b := NewTokenBucket(2, 0.0006) // rounds to 0.001
	b.RecordOutcome(false)
	b.RecordOutcome(true)
	if got, want := b.Tokens(), 1.001; got != want {
		t.Errorf("Tokens() = %v, want %v", got, want)
	}
	if ok, _ := b.AllowRetry(context.Background()); !ok {
		t.Errorf("AllowRetry() at 1.001 of 2 = false, want true")
	}
}

func TestTokenBucketIgnoresRequests(t *testing.T) {
	b := NewTokenBucket(4, 1)
	b.RecordOutcome(false)
	for range 10 {
		b.RecordRequest()
	}
	if got := b.Tokens(); got != 3 {
		t.Errorf("Tokens() = %v, want 3", got)
	}
}
