package redress_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

type userClient struct{ calls int }

func (c *userClient) Get(context.Context) (string, error) {
	c.calls++
	if c.calls < 3 {
		return "", classifier.MarkTransient(errors.New("flaky"))
	}
	return "ada", nil
}

func fetchUser(context.Context) (string, error) {
	return "", classifier.MarkPermanent(errors.New("gone"))
}

func TestWrapNamesOperation(t *testing.T) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	named := redress.MustNew(redress.WithOperation("users.get"), redress.WithClock(clk))
	unnamed := redress.MustNew(redress.WithClock(clk))
	tests := []struct {
		name string
		op   func(context.Context) (string, error)
		opts []redress.Option
		want string
	}{
		{"function", fetchUser, []redress.Option{redress.WithClock(clk)}, "redress_test.fetchUser"},
		{"method value", (&userClient{}).Get, []redress.Option{unnamed}, "redress_test.(*userClient).Get"},
		{"WithOperation", fetchUser, []redress.Option{unnamed, redress.WithOperation("mine")}, "mine"},
		{"named policy", fetchUser, []redress.Option{named}, "users.get"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := new(redresstest.Recorder)
			_, _ = redress.Wrap(tt.op, append(tt.opts, redress.WithObserver(rec))...)(context.Background())
			var got []string
			for _, e := range rec.Events() {
				got = append(got, e.Operation)
			}
			if len(got) == 0 {
				t.Fatal("no events")
			}
			if diff := cmp.Diff(tt.want, got[len(got)-1]); diff != "" {
				t.Errorf("operation (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWrapRetries(t *testing.T) {
	c := &userClient{}
	get := redress.Wrap(c.Get, redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	v, err := get(context.Background())
	if diff := cmp.Diff([]any{"ada", nil, 3}, []any{v, err, c.calls}); diff != "" {
		t.Errorf("[value, error, calls] (-want +got):\n%s", diff)
	}
}

func TestWrapNil(t *testing.T) {
	_, err := redress.Wrap[int](nil)(context.Background())
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("Wrap(nil)(): %v, want ErrInvalidConfig", err)
	}
}

func TestWrapPolicyFirstAllocs(t *testing.T) {
	p := redress.MustNew(redress.WithOperation("users.get"), redress.WithoutDeadline())
	get := redress.Wrap(func(context.Context) (int, error) { return 1, nil }, p)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = get(ctx) }); n != 0 {
		t.Errorf("a wrapped named policy allocates %v times per call, want 0", n)
	}
}

func ExampleWrap() {
	c := &userClient{}
	get := redress.Wrap(c.Get,
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redress.WithRetry(retry.WithMaxAttempts(5)),
		redress.WithObserver(redress.ObserverFunc(func(_ context.Context, e redress.Event) {
			fmt.Println(e.Operation, e.Name, e.Attempt)
		})))
	user, err := get(context.Background())
	fmt.Println(user, err)
	// Output:
	// redress_test.(*userClient).Get retry 1
	// redress_test.(*userClient).Get retry 2
	// redress_test.(*userClient).Get success 3
	// ada <nil>
}
