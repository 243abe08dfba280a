package guides_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a guide's code leaves a goroutine behind
// (hedges, singleflight waiters, handlers, breaker listeners).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
