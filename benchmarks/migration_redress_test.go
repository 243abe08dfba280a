package benchmarks_test

// The "after" of docs/migrating.md, and the tests that run each before and
// after on the same failures.

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/retry"
)

func getUserRedress(ctx context.Context, api *usersAPI, id string) (User, error) {
	// after
	var policy = redress.MustNew(redress.WithRetry(retry.WithMaxAttempts(5)))

	res, err := redress.Execute(ctx, func(ctx context.Context) (User, error) {
		return api.User(ctx, id) // a 404 is PERMANENT by itself if the error has StatusCode()
	}, policy)
	return res, err
}

func pingRedress(ctx context.Context, client *pingClient) error {
	// after
	err := redress.Do(ctx, client.Ping,
		redress.WithRetry(retry.WithMaxAttempts(3), retry.WithBackoff(backoff.Exponential(100*time.Millisecond, 2*time.Second))))
	return err
}

func TestMigrationCenkalti(t *testing.T) {
	for _, tt := range []struct {
		name      string
		errs      []error
		wantCalls int
	}{
		{"a 503 then success", []error{httpError{503}}, 2},
		{"a 404 is not retried", []error{httpError{404}}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				before := &usersAPI{errs: append([]error(nil), tt.errs...)}
				after := &usersAPI{errs: append([]error(nil), tt.errs...)}
				_, errBefore := getUserCenkalti(context.Background(), before, "u1")
				_, errAfter := getUserRedress(context.Background(), after, "u1")
				if before.calls != tt.wantCalls || after.calls != tt.wantCalls || (errBefore == nil) != (errAfter == nil) {
					t.Errorf("calls %d and %d, errors %v and %v; want %d calls each and the same outcome",
						before.calls, after.calls, errBefore, errAfter, tt.wantCalls)
				}
			})
		})
	}
}

func TestMigrationRetryGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		down := errors.New("connection refused")
		before := &pingClient{errs: []error{down, down, down, down}}
		after := &pingClient{errs: []error{down, down, down, down}}
		errBefore := pingRetryGo(context.Background(), before)
		errAfter := pingRedress(context.Background(), after)
		// retry-go retries every error; redress retries an UNKNOWN error
		// at most twice (retry.WithMaxUnknownAttempts), which with three
		// attempts is the same here.
		if before.calls != 3 || after.calls != 3 || !errors.Is(errBefore, down) || !errors.Is(errAfter, down) {
			t.Errorf("calls %d and %d, errors %v and %v; want 3 calls each, failing with the last error",
				before.calls, after.calls, errBefore, errAfter)
		}
	})
}
