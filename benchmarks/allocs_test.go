package benchmarks

import (
	"context"
	"testing"

	"github.com/redress-go/redress"
)

// TestSuccessPathAllocs holds redress to DESIGN.md's performance budget: the
// success path of a prebuilt policy with breaker, budget and retry makes no
// allocation. WithoutDeadline is part of that path: a deadline gives each
// attempt a context of its own, which allocates.
func TestSuccessPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates; allocation counts mean nothing under it")
	}
	ctx := context.Background()
	p := fullPolicy(t)
	var err error
	got := testing.AllocsPerRun(1000, func() {
		sink, err = redress.Execute(ctx, succeed, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != 0 {
		t.Errorf("redress.Execute with a prebuilt policy (breaker, budget, retry, WithoutDeadline): %v allocations per call, want 0", got)
	}
}
