package benchmarks_test

// The code of docs/migrating-failsafe.md, docs/migrating-gobreaker.md and
// docs/migrating-retryablehttp.md: each "before" in the peer library and
// its "after" in redress, run side by side on the same failures so that the
// guides' claims of equivalence are tested. internal/docsync's TestGuides
// finds the guides' blocks in this file.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/sony/gobreaker/v2"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresshttp"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// User is what the migrated calls return.
type User struct{ ID string }

// errNotFound is an answer, never worth retrying; errReset is a blip.
var (
	errNotFound = errors.New("user not found")
	errReset    = errors.New("connection reset")
)

// ---- failsafe-go ----

// Before: failsafe-go. Which errors are retried is a predicate on the
// retry policy; the breaker counts every failure it is given.
func getUserFailsafe(ctx context.Context, fetch func(context.Context, string) (User, error), id string) (User, error) {
	rp := retrypolicy.NewBuilder[User]().
		AbortOnErrors(errNotFound).
		WithMaxAttempts(4).
		WithBackoff(100*time.Millisecond, 2*time.Second).
		Build()
	cb := circuitbreaker.NewBuilder[User]().
		HandleIf(func(_ User, err error) bool { return err != nil && !errors.Is(err, errNotFound) }).
		WithFailureThresholdPeriod(5, time.Minute).
		WithDelay(30 * time.Second).
		Build()
	return failsafe.With(rp, cb).WithContext(ctx).Get(func() (User, error) {
		return fetch(ctx, id)
	})
}

// After: redress. The classes decide: errNotFound is marked PERMANENT where
// it is made (or by a classifier), and the breaker counts only the classes
// it trips on, once per call.
var usersBreaker = breaker.New(
	breaker.WithFailureThreshold(5),
	breaker.WithWindow(time.Minute),
	breaker.WithRecoveryTimeout(30*time.Second),
)

var usersPolicy = redress.MustNew(
	redress.WithOperation("users.get"),
	redress.WithRetry(
		retry.WithMaxAttempts(4),
		retry.WithBackoff(backoff.Exponential(100*time.Millisecond, 2*time.Second)),
	),
	redress.WithBreaker(usersBreaker),
)

func getUser(ctx context.Context, fetch func(context.Context, string) (User, error), id string) (User, error) {
	return redress.Execute(ctx, func(ctx context.Context) (User, error) {
		u, err := fetch(ctx, id)
		if errors.Is(err, errNotFound) {
			return u, classifier.MarkPermanent(err)
		}
		return u, err
	}, usersPolicy)
}

// flaky fails with errs in turn, then succeeds, counting its calls.
func flaky(calls *atomic.Int32, errs ...error) func(context.Context, string) (User, error) {
	return func(_ context.Context, id string) (User, error) {
		n := int(calls.Add(1))
		if n <= len(errs) {
			return User{}, errs[n-1]
		}
		return User{ID: id}, nil
	}
}

func TestMigrationFailsafe(t *testing.T) {
	transient := classifier.MarkTransient(errReset)
	for _, tt := range []struct {
		name      string
		errs      []error
		wantCalls int32
		wantUser  User
		wantErr   error
	}{
		{"retried then succeeds", []error{transient, transient}, 3, User{ID: "u1"}, nil},
		{"not found is never retried", []error{errNotFound}, 1, User{}, errNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { // both libraries back off on synctest's fake time
				var before, after atomic.Int32
				u1, err1 := getUserFailsafe(context.Background(), flaky(&before, tt.errs...), "u1")
				u2, err2 := getUser(context.Background(), flaky(&after, tt.errs...), "u1")
				got := []any{before.Load(), after.Load(), u1, u2, errors.Is(err1, tt.wantErr), errors.Is(err2, tt.wantErr)}
				want := []any{tt.wantCalls, tt.wantCalls, tt.wantUser, tt.wantUser, true, true}
				if !reflect.DeepEqual(want, got) {
					t.Errorf("calls, users, errors: got %v, want %v", got, want)
				}
			})
		})
	}
}

// ---- sony/gobreaker ----

// Before: gobreaker. IsSuccessful keeps "not found" from counting as a
// failure; ReadyToTrip opens after 5 failures counted in the interval.
var usersGobreaker = gobreaker.NewCircuitBreaker[User](gobreaker.Settings{
	Name:        "users",
	MaxRequests: 1,
	Interval:    time.Minute,
	Timeout:     30 * time.Second,
	ReadyToTrip: func(c gobreaker.Counts) bool { return c.TotalFailures >= 5 },
	IsSuccessful: func(err error) bool {
		return err == nil || errors.Is(err, errNotFound)
	},
})

func getUserGobreaker(ctx context.Context, fetch func(context.Context, string) (User, error), id string) (User, error) {
	return usersGobreaker.Execute(func() (User, error) { return fetch(ctx, id) })
}

// After: redress, one attempt per call and the breaker in front of it.
// Only TRANSIENT and SERVER_ERROR failures count (the default trip
// classes), so a PERMANENT "not found" never opens it.
var usersOnlyBreaker = redress.MustNew(
	redress.WithOperation("users.get"),
	redress.WithRetry(retry.WithMaxAttempts(1)),
	redress.WithBreaker(breaker.New(
		breaker.WithFailureThreshold(5),
		breaker.WithWindow(time.Minute),
		breaker.WithRecoveryTimeout(30*time.Second),
		breaker.WithHalfOpenProbes(1),
	)),
)

func getUserBreaker(ctx context.Context, fetch func(context.Context, string) (User, error), id string) (User, error) {
	return redress.Execute(ctx, func(ctx context.Context) (User, error) {
		u, err := fetch(ctx, id)
		if errors.Is(err, errNotFound) {
			return u, classifier.MarkPermanent(err)
		}
		return u, err
	}, usersOnlyBreaker)
}

// Without Execute: the breaker alone, the way gobreaker's two-step
// breaker is used.
func guarded(br *breaker.Breaker, call func() error) error {
	ticket, err := br.Allow()
	if err != nil {
		return err // matches breaker.ErrOpen
	}
	err = call()
	if err != nil {
		br.Record(ticket, breaker.Failure, classifier.Default.Classify(err).Class)
		return err
	}
	br.Record(ticket, breaker.Success, classifier.Unknown)
	return nil
}

func TestMigrationGobreaker(t *testing.T) {
	ctx := context.Background()
	down := func(context.Context, string) (User, error) {
		return User{}, classifier.MarkTransient(errReset)
	}
	missing := func(context.Context, string) (User, error) { return User{}, errNotFound }
	// Ten "not found" answers open neither breaker.
	for range 10 {
		_, _ = getUserGobreaker(ctx, missing, "u1")
		_, _ = getUserBreaker(ctx, missing, "u1")
	}
	_, errBefore := getUserGobreaker(ctx, down, "u1")
	_, errAfter := getUserBreaker(ctx, down, "u1")
	if want, got := []bool{false, false}, []bool{errors.Is(errBefore, gobreaker.ErrOpenState), errors.Is(errAfter, breaker.ErrOpen)}; !reflect.DeepEqual(want, got) {
		t.Fatalf("open after answers: got %v, want %v", got, want)
	}
	// Four more failures (five in all) open both.
	for range 4 {
		_, _ = getUserGobreaker(ctx, down, "u1")
		_, _ = getUserBreaker(ctx, down, "u1")
	}
	_, errBefore = getUserGobreaker(ctx, down, "u1")
	_, errAfter = getUserBreaker(ctx, down, "u1")
	if want, got := []bool{true, true}, []bool{errors.Is(errBefore, gobreaker.ErrOpenState), errors.Is(errAfter, breaker.ErrOpen)}; !reflect.DeepEqual(want, got) {
		t.Errorf("open after five failures: got %v, want %v", got, want)
	}
}

func TestMigrationGuarded(t *testing.T) {
	br := breaker.New(breaker.WithConsecutiveFailures(2))
	fail := func() error { return classifier.MarkTransient(errReset) }
	var got []bool
	for range 3 {
		got = append(got, errors.Is(guarded(br, fail), breaker.ErrOpen))
	}
	if want := []bool{false, false, true}; !reflect.DeepEqual(want, got) {
		t.Errorf("rejected: got %v, want %v", got, want)
	}
}

// ---- hashicorp/go-retryablehttp ----

// Before: go-retryablehttp, four attempts, exponential backoff from
// 100 ms to 2 s.
func newRetryableClient() *retryablehttp.Client {
	c := retryablehttp.NewClient()
	c.RetryMax = 3 // retries after the first attempt
	c.RetryWaitMin = 100 * time.Millisecond
	c.RetryWaitMax = 2 * time.Second
	c.Logger = nil
	return c
}

// After: redress, under any *http.Client (or an SDK that takes one).
func newAPIClient(opts ...redress.Option) *http.Client {
	policy := redress.MustNew(append([]redress.Option{
		redress.WithOperation("api"),
		redress.WithRetry(
			retry.WithMaxAttempts(4), // attempts, the first included
			retry.WithBackoff(backoff.Exponential(100*time.Millisecond, 2*time.Second)),
		),
	}, opts...)...)
	return &http.Client{Transport: &redresshttp.Transport{Policy: policy}}
}

func TestMigrationRetryablehttp(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1)%3 != 0 { // every third request succeeds
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	before := newRetryableClient()
	before.Backoff = func(_, _ time.Duration, _ int, _ *http.Response) time.Duration { return 0 } // no waiting in a test
	respBefore, err := before.StandardClient().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	respBefore.Body.Close()
	hitsBefore := hits.Swap(0)

	after := newAPIClient(redresstest.InstantRetries())
	respAfter, err := after.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	respAfter.Body.Close()
	got := []any{respBefore.StatusCode, respAfter.StatusCode, hitsBefore, hits.Load()}
	if want := []any{200, 200, int32(3), int32(3)}; !reflect.DeepEqual(want, got) {
		t.Errorf("statuses and requests: got %v, want %v", got, want)
	}
}
