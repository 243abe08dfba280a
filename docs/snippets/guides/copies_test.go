package guides_test

// Guides show some of redress's interfaces and types as they are declared.
// The copies below are those blocks; the assignments and conversions that
// follow fail to compile the moment a copy differs from the real
// declaration, so a guide cannot show a shape the code no longer has.

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
)

// docs/strategies.md

type Strategy interface {
	Delay(in Input) time.Duration
}

type Input struct {
	Attempt        int                       // 1-based number of the attempt that just failed
	Classification classifier.Classification // the failure's class, and the server's Retry-After
	Prev           time.Duration             // the strategy's own previous delay; 0 before any
	Remaining      time.Duration             // time left before the call's deadline
}

// The struct copy converts to the real one only if the fields, their order
// and their types are the same.
var _ = backoff.Input(Input{})

// docs/budgets.md

// Budget is the real interface, which the copy of ClassAware embeds.
type Budget = budget.Budget

type ClassAware interface {
	Budget
	AllowRetryFor(ctx context.Context, err error, c classifier.Classification) (bool, error)
	RecordSuccess(retried bool, last classifier.Classification, lastErr error)
}

var (
	_ budget.ClassAware = ClassAware(nil)
	_ ClassAware        = budget.ClassAware(nil)
)

// docs/observability.md

type Observer interface {
	Observe(ctx context.Context, e redress.Event)
}

var (
	_ redress.Observer = Observer(nil)
	_ Observer         = redress.Observer(nil)
)

// TestStrategyCopy checks what the compiler cannot: the copy of Strategy
// has the real interface's one method, with the same name and shape.
func TestStrategyCopy(t *testing.T) {
	copied := reflect.TypeFor[Strategy]()
	real := reflect.TypeFor[backoff.Strategy]()
	if copied.NumMethod() != real.NumMethod() {
		t.Fatalf("the copy has %d methods, backoff.Strategy %d", copied.NumMethod(), real.NumMethod())
	}
	for i := range real.NumMethod() {
		c, r := copied.Method(i), real.Method(i)
		if c.Name != r.Name || c.Type.NumIn() != r.Type.NumIn() || c.Type.NumOut() != r.Type.NumOut() ||
			!c.Type.In(0).ConvertibleTo(r.Type.In(0)) || c.Type.Out(0) != r.Type.Out(0) {
			t.Errorf("the copy's %s is %v, backoff.Strategy's %s is %v", c.Name, c.Type, r.Name, r.Type)
		}
	}
}
