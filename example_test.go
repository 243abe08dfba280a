package redress_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// User is what the examples' API returns.
type User struct{ Name string }

// flakyAPI fails its first calls with a reset connection.
type flakyAPI struct{ failures int }

func (a *flakyAPI) User(ctx context.Context, id int) (User, error) {
	if a.failures > 0 {
		a.failures--
		return User{}, classifier.MarkTransient(errors.New("connection reset by peer"))
	}
	return User{Name: fmt.Sprintf("user-%d", id)}, nil
}

// The README's quick start: a reusable policy, used for one call.
func Example_quickStart() {
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
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))), // tests only: no real sleeping
	)
	if err != nil {
		panic(err)
	}

	user, err := redress.Execute(context.Background(), func(ctx context.Context) (User, error) {
		return api.User(ctx, 42)
	}, policy)
	fmt.Println(user.Name, err)
	// Output:
	// attempt 1 failed (TRANSIENT), retrying
	// attempt 2 failed (TRANSIENT), retrying
	// user-42 <nil>
}

func ExampleExecute() {
	api := &flakyAPI{failures: 1}
	clk := redresstest.NewAutoClock(time.Unix(0, 0))

	user, err := redress.Execute(context.Background(), func(ctx context.Context) (User, error) {
		return api.User(ctx, 7)
	}, redress.WithClock(clk))
	fmt.Println(user.Name, err, len(clk.Sleeps()), "sleep")
	// Output: user-7 <nil> 1 sleep
}

func ExampleDo() {
	errUpstream := errors.New("upstream said no")
	err := redress.Do(context.Background(), func(ctx context.Context) error {
		return classifier.MarkPermanent(errUpstream)
	})

	var se *redress.StopError
	if errors.As(err, &se) {
		fmt.Println(se.Reason, se.Attempts, se.LastClass)
	}
	fmt.Println(errors.Is(err, errUpstream))
	// Output:
	// NON_RETRYABLE_CLASS 1 PERMANENT
	// true
}

func ExampleNew() {
	// Built once, shared by every call; options after it override it for
	// one call.
	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithRetry(retry.WithMaxAttempts(3), retry.WithBackoff(backoff.Constant(100*time.Millisecond))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
	)
	alwaysDown := func(context.Context) (User, error) { return User{}, classifier.MarkTransient(errors.New("down")) }

	_, err := redress.Execute(context.Background(), alwaysDown, policy)
	fmt.Println(err)
	_, err = redress.Execute(context.Background(), alwaysDown, policy,
		redress.WithOperation("users.get.vip"), redress.WithRetry(retry.WithMaxAttempts(1)))
	fmt.Println(err)
	// Output:
	// redress: users.get: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (TRANSIENT): down
	// redress: users.get.vip: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): down
}

func ExampleWithResultClassifier() {
	statuses := []int{503, 503, 200}
	call := 0
	doRequest := func(ctx context.Context) (*http.Response, error) {
		resp := &http.Response{StatusCode: statuses[call]}
		call++
		return resp, nil
	}

	resp, err := redress.Execute(context.Background(), doRequest,
		redress.WithResultClassifier(func(r *http.Response) (classifier.Classification, bool) {
			if r.StatusCode == http.StatusServiceUnavailable {
				return classifier.Classification{Class: classifier.ServerError}, true // a failure
			}
			return classifier.Classification{}, false // a success
		}),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	fmt.Println(resp.StatusCode, err, "after", call, "attempts")
	// Output: 200 <nil> after 3 attempts
}

func ExampleWithMiddleware() {
	trace := func(name string) redress.Middleware {
		return func(next redress.Handler) redress.Handler {
			return func(ctx context.Context, a *redress.Attempt) error {
				fmt.Printf("%s: attempt %d starts\n", name, a.Number)
				err := next(ctx, a)
				fmt.Printf("%s: attempt %d ends: %v\n", name, a.Number, err)
				return err
			}
		}
	}
	api := &flakyAPI{failures: 1}
	redress.Execute(context.Background(), func(ctx context.Context) (User, error) { return api.User(ctx, 1) },
		redress.WithMiddleware(trace("outer"), trace("inner")), // the first is the outermost
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	// Output:
	// outer: attempt 1 starts
	// inner: attempt 1 starts
	// inner: attempt 1 ends: connection reset by peer
	// outer: attempt 1 ends: connection reset by peer
	// outer: attempt 2 starts
	// inner: attempt 2 starts
	// inner: attempt 2 ends: <nil>
	// outer: attempt 2 ends: <nil>
}

func ExampleWithClock() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	calls := 0
	err := redress.Do(context.Background(), func(ctx context.Context) error {
		calls++
		if calls < 4 {
			return classifier.MarkRateLimited(errors.New("slow down"), 2*time.Second)
		}
		return nil
	}, redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoffFor(classifier.RateLimit, redresstest.Sequence(time.Second, 2*time.Second, 4*time.Second))))
	fmt.Println(err, clk.Sleeps(), clk.Now().Sub(time.Unix(0, 0)))
	// Output: <nil> [1s 2s 4s] 7s
}

func ExampleSlogObserver() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	api := &flakyAPI{failures: 1}
	redress.Execute(context.Background(), func(ctx context.Context) (User, error) { return api.User(ctx, 1) },
		redress.WithOperation("users.get"),
		redress.WithObserver(redress.SlogObserver(logger)),
		redress.WithRetry(retry.WithBackoff(backoff.Constant(time.Second))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	// Output:
	// level=INFO msg="redress: retry" event=retry operation=users.get attempt=1 class=TRANSIENT sleep=1s elapsed=0s error="connection reset by peer"
	// level=DEBUG msg="redress: success" event=success operation=users.get attempt=2 elapsed=1s
}

func ExampleWithObserver_several() {
	count := 0
	counter := redress.ObserverFunc(func(context.Context, redress.Event) { count++ })
	printer := redress.ObserverFunc(func(_ context.Context, e redress.Event) { fmt.Println(e.Name) })

	redress.Do(context.Background(), func(context.Context) error { return nil },
		redress.WithObserver(counter, printer))
	fmt.Println(count, "event")
	// Output:
	// success
	// 1 event
}
