package benchmarks_test

// The "before" of docs/migrating.md for cenkalti/backoff v5, whose package
// name is the same as redress's backoff: each library's code is in a file
// of its own.

import (
	"context"
	"errors"
	"fmt"

	"github.com/cenkalti/backoff/v5"
)

// usersAPI answers User with its errors in turn, then with a user.
type usersAPI struct {
	errs  []error
	calls int
}

func (a *usersAPI) User(_ context.Context, id string) (User, error) {
	a.calls++
	if len(a.errs) > 0 {
		err := a.errs[0]
		a.errs = a.errs[1:]
		return User{}, err
	}
	return User{ID: id}, nil
}

// httpError is an HTTP client's error with its status.
type httpError struct{ code int }

func (e httpError) Error() string   { return fmt.Sprintf("HTTP %d", e.code) }
func (e httpError) StatusCode() int { return e.code }

func isNotFound(err error) bool {
	var he httpError
	return errors.As(err, &he) && he.code == 404
}

func getUserCenkalti(ctx context.Context, api *usersAPI, id string) (User, error) {
	// before
	res, err := backoff.Retry(ctx, func() (User, error) {
		u, err := api.User(ctx, id)
		if isNotFound(err) {
			return User{}, backoff.Permanent(err)
		}
		return u, err
	}, backoff.WithMaxTries(5))
	return res, err
}
