package redress_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/retry"
)

// TestREADMEQuickStart runs the README's quick start as written, on the
// real clock inside a synctest bubble, so its sleeps take no real time.
// (Example_quickStart is the same with a fake clock.)
func TestREADMEQuickStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		api := &flakyAPI{failures: 2}

		policy, err := redress.New(
			redress.WithOperation("users.get"),
			redress.WithRetry(
				retry.WithMaxAttempts(5),
				retry.WithBackoff(backoff.DecorrelatedJitter(250*time.Millisecond, 5*time.Second)),
			),
			redress.WithDeadline(time.Minute),
			redress.WithObserver(redress.ObserverFunc(func(ctx context.Context, e redress.Event) {
				if e.Name == redress.EventRetry {
					fmt.Printf("attempt %d failed (%s), retrying\n", e.Attempt, e.Class)
				}
			})),
		)
		if err != nil {
			panic(err)
		}

		user, err := redress.Execute(ctx, func(ctx context.Context) (User, error) {
			return api.User(ctx, 42)
		}, policy)

		if err != nil || user.Name != "user-42" {
			t.Errorf("Execute = %v, %v; want user-42 after two retries", user, err)
		}
	})
}
