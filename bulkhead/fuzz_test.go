package bulkhead_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress/bulkhead"
)

// FuzzNew checks New against any number of slots and maximum wait: it
// never panics, Err is set exactly for invalid input, and a valid
// bulkhead of up to 64 slots hands out exactly that many and takes them
// all back.
func FuzzNew(f *testing.F) {
	// The cases of TestNewReportsInvalidInput.
	f.Add(1, int64(0))
	f.Add(3, int64(time.Second))
	f.Add(0, int64(0))
	f.Add(-4, int64(0))
	f.Add(int(tooMany), int64(0))
	f.Add(1, int64(-time.Second))
	f.Add(math.MaxInt32, int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, n int, wait int64) {
		b := bulkhead.New(n, bulkhead.WithMaxWait(time.Duration(wait)))
		valid := n >= 1 && n <= math.MaxInt32 && wait >= 0
		if err := b.Err(); (err == nil) != valid {
			t.Fatalf("New(%d, WithMaxWait(%v)).Err() = %v, want an error: %v", n, time.Duration(wait), err, !valid)
		} else if err != nil && !errors.Is(err, bulkhead.ErrInvalidConfig) {
			t.Fatalf("Err() = %v, want an error wrapping ErrInvalidConfig", err)
		}
		if !valid {
			if b.TryAcquire() {
				t.Fatal("TryAcquire on an invalid bulkhead = true")
			}
			return
		}
		if b.Limit() != n {
			t.Fatalf("Limit() = %d, want %d", b.Limit(), n)
		}
		if n > 64 {
			return
		}
		for i := range n {
			if !b.TryAcquire() {
				t.Fatalf("TryAcquire %d of %d = false", i+1, n)
			}
		}
		if b.TryAcquire() {
			t.Fatalf("TryAcquire %d of %d = true", n+1, n)
		}
		for range n {
			b.Release()
		}
		if b.InUse() != 0 {
			t.Fatalf("InUse() = %d after every release, want 0", b.InUse())
		}
	})
}
