package bulkhead_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they start outlives
// them: a waiter left behind by Acquire would be one.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
