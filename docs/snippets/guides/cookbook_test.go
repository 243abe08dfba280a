package guides_test

// The code of docs/cookbook.md.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sync/singleflight"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/bulkhead"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// ---- Idempotency keys ----

// Order is an order to place.
type Order struct{ Item string }

// OrderClient places orders; a server that has seen key answers with the
// order it placed for it instead of placing another.
type OrderClient interface {
	Create(ctx context.Context, o Order, key string) (orderID string, err error)
}

var orderPolicy = redress.MustNew(
	redress.WithOperation("orders.create"),
	redress.WithRetry(retry.WithMaxAttempts(4)),
)

func placeOrder(ctx context.Context, client OrderClient, o Order, newKey func() string) (string, error) {
	key := newKey() // once per call: every attempt sends the same key
	return redress.Execute(ctx, func(ctx context.Context) (string, error) {
		return client.Create(ctx, o, key)
	}, orderPolicy)
}

// flakyOrders places an order, then loses the answer once: the case an
// idempotency key exists for.
type flakyOrders struct {
	mu     sync.Mutex
	byKey  map[string]string
	placed int
	lost   bool
}

func (f *flakyOrders) Create(_ context.Context, _ Order, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.byKey[key]
	if !ok {
		f.placed++
		id = "order-" + strconv.Itoa(f.placed)
		f.byKey[key] = id
	}
	if !f.lost {
		f.lost = true
		return "", classifier.MarkTransient(errors.New("connection reset after the order was placed"))
	}
	return id, nil
}

func TestCookbookIdempotencyKey(t *testing.T) {
	synctest.Test(t, testIdempotencyKey) // the backoff sleeps on synctest's fake time
}

func testIdempotencyKey(t *testing.T) {
	orders := &flakyOrders{byKey: map[string]string{}}
	keys := 0
	newKey := func() string { keys++; return "key-" + strconv.Itoa(keys) }
	id, err := placeOrder(context.Background(), orders, Order{Item: "book"}, newKey)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"order-1", 1, 1}, []any{id, orders.placed, keys}); diff != "" {
		t.Errorf("order id, orders placed, keys made (-want +got):\n%s", diff)
	}
}

// ---- Job queues ----

// Job is a job of a queue that redelivers a failed job after a delay of
// our choosing and counts its deliveries: Attempt is 1 on the first.
type Job struct {
	ID      string
	Attempt int
}

// Queue reschedules a job.
type Queue interface {
	Retry(job Job, after time.Duration) error
}

var jobPolicy = redress.MustNew(
	redress.WithOperation("emails.send"),
	redress.WithRetry(
		retry.WithMaxAttempts(5),
		retry.WithDefer(true), // hand each retry back to the queue instead of sleeping
	),
)

func handleJob(ctx context.Context, q Queue, job Job, send func(context.Context, Job) error) error {
	err := redress.Do(ctx, func(ctx context.Context) error { return send(ctx, job) },
		jobPolicy, redress.WithFirstAttempt(job.Attempt))
	var se *redress.StopError
	if errors.As(err, &se) && se.Reason == redress.StopScheduled {
		job.Attempt = se.Attempts + 1
		return q.Retry(job, se.NextDelay)
	}
	return err // nil, or a failure that no delivery will fix: dead-letter it
}

// fakeQueue records what handleJob reschedules.
type fakeQueue struct{ retries []Job }

func (q *fakeQueue) Retry(job Job, _ time.Duration) error {
	q.retries = append(q.retries, job)
	return nil
}

func TestCookbookJobQueue(t *testing.T) {
	ctx := context.Background()
	q := &fakeQueue{}
	sent := 0
	send := func(context.Context, Job) error {
		sent++
		if sent < 3 {
			return classifier.MarkTransient(errors.New("smtp: 421 try again later"))
		}
		return nil
	}
	job := Job{ID: "welcome-42", Attempt: 1}
	for delivery := 1; delivery <= 3; delivery++ {
		if err := handleJob(ctx, q, job, send); err != nil {
			t.Fatalf("delivery %d: %v", delivery, err)
		}
		if delivery < 3 {
			job = q.retries[len(q.retries)-1]
		}
	}
	want := []Job{{ID: "welcome-42", Attempt: 2}, {ID: "welcome-42", Attempt: 3}}
	if diff := cmp.Diff(want, q.retries); diff != "" {
		t.Errorf("rescheduled jobs (-want +got):\n%s", diff)
	}
}

func TestCookbookJobQueueStopsAtTheGlobalCap(t *testing.T) {
	q := &fakeQueue{}
	fail := func(context.Context, Job) error { return classifier.MarkTransient(errors.New("down")) }
	err := handleJob(context.Background(), q, Job{ID: "j", Attempt: 5}, fail)
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *redress.StopError", err)
	}
	if diff := cmp.Diff([]any{redress.StopMaxAttempts, 5, 0}, []any{se.Reason, se.Attempts, len(q.retries)}); diff != "" {
		t.Errorf("reason, attempts, retries (-want +got):\n%s", diff)
	}
}

// ---- Per-tenant policies ----

// tenantPolicies gives each tenant a breaker and a budget of its own on top
// of one base policy, so that one tenant's failing dependency (or abuse)
// opens no circuit and spends no retry for the others.
type tenantPolicies struct {
	base *redress.Policy
	mu   sync.Mutex
	m    map[string]*redress.Policy
}

func (tp *tenantPolicies) For(tenant string) *redress.Policy {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if p, ok := tp.m[tenant]; ok {
		return p
	}
	p := redress.MustNew(tp.base, // a *Policy is an option: start from it
		redress.WithBreaker(breaker.New(breaker.WithFailureThreshold(5))),
		redress.WithBudget(budget.New(20, time.Minute)),
	)
	tp.m[tenant] = p
	return p
}

var tenants = &tenantPolicies{
	base: redress.MustNew(
		redress.WithOperation("reports.render"), // one name for every tenant: labels stay few
		redress.WithRetry(retry.WithMaxAttempts(3)),
	),
	m: map[string]*redress.Policy{},
}

func TestCookbookPerTenant(t *testing.T) {
	ctx := context.Background()
	down := func(context.Context) error { return classifier.Mark(errors.New("503"), classifier.ServerError) }
	// Tenant "acme" fails until its breaker opens; "globex" is not affected.
	for range 5 {
		_ = redress.Do(ctx, down, tenants.For("acme"), redresstest.InstantRetries())
	}
	errAcme := redress.Do(ctx, func(context.Context) error { return nil }, tenants.For("acme"))
	errGlobex := redress.Do(ctx, func(context.Context) error { return nil }, tenants.For("globex"))
	if diff := cmp.Diff([]bool{true, false}, []bool{errors.Is(errAcme, breaker.ErrOpen), errGlobex != nil}); diff != "" {
		t.Errorf("acme refused, globex failed (-want +got):\n%s", diff)
	}
	if tenants.For("acme") != tenants.For("acme") {
		t.Error("For built a second policy for one tenant")
	}
}

// ---- Graceful degradation ----

// Profile is a user's profile.
type Profile struct {
	ID   string
	Name string
}

var profilePolicy = redress.MustNew(
	redress.WithOperation("profiles.get"),
	redress.WithRetry(retry.WithMaxAttempts(3)),
	redress.WithDeadline(2*time.Second),
)

// profile tries the profile service (with retries), then the last profile
// it saw for id, then a default: a page that shows "Guest" beats an error
// page.
func profile(ctx context.Context, id string, fetch func(context.Context, string) (Profile, error), cache *sync.Map) (Profile, error) {
	p, err := redress.Execute(ctx, func(ctx context.Context) (Profile, error) {
		return fetch(ctx, id)
	}, profilePolicy, redress.WithFallback(func(ctx context.Context, err error) (Profile, error) {
		if p, ok := cache.Load(id); ok {
			return p.(Profile), nil
		}
		return Profile{ID: id, Name: "Guest"}, nil
	}))
	if err == nil {
		cache.Store(id, p) // the fallback's answers too: harmless here, they are the cache's or the default
	}
	return p, err
}

func TestCookbookGracefulDegradation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var cache sync.Map
		up := true
		fetch := func(_ context.Context, id string) (Profile, error) {
			if up {
				return Profile{ID: id, Name: "Ada"}, nil
			}
			return Profile{}, classifier.MarkTransient(errors.New("connection refused"))
		}
		var got []Profile
		for _, give := range []struct {
			id string
			up bool
		}{{"u1", true}, {"u1", false}, {"u2", false}} {
			up = give.up
			p, err := profile(ctx, give.id, fetch, &cache)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p)
		}
		want := []Profile{{"u1", "Ada"}, {"u1", "Ada"}, {"u2", "Guest"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("profiles (-want +got):\n%s", diff)
		}
	})
}

// ---- A cache and singleflight ----

// User is a user.
type User struct{ ID, Name string }

var userPolicy = redress.MustNew(
	redress.WithOperation("users.get"),
	redress.WithRetry(retry.WithMaxAttempts(3)),
)

// userCache answers from memory; on a miss, one call per user goes to the
// service, under the policy, however many goroutines miss at once.
type userCache struct {
	fetch func(ctx context.Context, id string) (User, error)
	group singleflight.Group
	users sync.Map
}

func (c *userCache) Get(ctx context.Context, id string) (User, error) {
	if u, ok := c.users.Load(id); ok {
		return u.(User), nil
	}
	v, err, _ := c.group.Do(id, func() (any, error) {
		// The first caller's ctx runs the call for all: detach it from
		// that caller's cancellation, and bound it by the policy's deadline.
		ctx := context.WithoutCancel(ctx)
		u, err := redress.Execute(ctx, func(ctx context.Context) (User, error) {
			return c.fetch(ctx, id)
		}, userPolicy)
		if err == nil {
			c.users.Store(id, u)
		}
		return u, err
	})
	return v.(User), err
}

func TestCookbookSingleflight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var fetches atomic.Int32
		c := &userCache{fetch: func(ctx context.Context, id string) (User, error) {
			if fetches.Add(1) == 1 {
				return User{}, classifier.MarkTransient(errors.New("connection reset"))
			}
			<-release
			return User{ID: id, Name: "Ada"}, nil
		}}
		var wg sync.WaitGroup
		got := make([]User, 10)
		for i := range got {
			wg.Go(func() {
				u, err := c.Get(context.Background(), "u1")
				if err != nil {
					t.Error(err)
				}
				got[i] = u
			})
		}
		synctest.Wait() // every goroutine waits on the one call in flight
		close(release)
		wg.Wait()
		u, err := c.Get(context.Background(), "u1") // from the cache
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range append(got, u) {
			if diff := cmp.Diff(User{"u1", "Ada"}, g); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
		}
		if n := fetches.Load(); n != 2 {
			t.Errorf("fetched %d times, want 2 (one failure, one retry)", n)
		}
	})
}

// ---- Hedged reads ----

var readPolicy = redress.MustNew(
	redress.WithOperation("catalog.read"),
	redress.WithHedging(50*time.Millisecond, 1),      // near the p95 latency: few reads hedge
	redress.WithBudget(budget.New(100, time.Minute)), // every hedge is granted like a retry
)

func TestCookbookHedgedRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		read := func(ctx context.Context) (string, error) {
			if calls.Add(1) == 1 { // the first replica is stuck
				<-ctx.Done()
				return "", ctx.Err()
			}
			return "from the second replica", nil
		}
		start := time.Now()
		v, err := redress.Execute(context.Background(), read, readPolicy)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]any{"from the second replica", 50 * time.Millisecond}, []any{v, time.Since(start)}); diff != "" {
			t.Errorf("value, latency (-want +got):\n%s", diff)
		}
	})
}

// ---- A retried database transaction ----

var txPolicy = redress.MustNew(
	redress.WithOperation("accounts.transfer"),
	redress.WithRetry(
		retry.WithMaxAttempts(5),
		// 40001 and 40P01 are CONCURRENCY (classifier.SQLState): run the
		// transaction again soon, with jitter so that the two sides of a
		// conflict do not collide again.
		retry.WithBackoffFor(classifier.Concurrency, backoff.FullJitter(10*time.Millisecond, 200*time.Millisecond)),
	),
)

// inTx runs fn in a serializable transaction, the whole transaction again
// when it fails, each time on a new *sql.Tx.
func inTx(ctx context.Context, db *sql.DB, fn func(context.Context, *sql.Tx) error) error {
	return redress.Do(ctx, func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			return err
		}
		if err := fn(ctx, tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}, txPolicy)
}

// sqlStateError is a driver error with a SQLSTATE, as pgx's and lib/pq's are.
type sqlStateError string

func (e sqlStateError) Error() string    { return "SQLSTATE " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

func TestCookbookTransaction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db, err := sql.Open(fakeDriverName, "")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		runs := 0
		err = inTx(context.Background(), db, func(ctx context.Context, tx *sql.Tx) error {
			runs++
			if runs == 1 {
				return sqlStateError("40001") // serialization failure
			}
			_, err := tx.ExecContext(ctx, "UPDATE accounts SET balance = balance - 10 WHERE id = 1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"begin", "rollback", "begin", "exec", "commit"}, fakeLog.take()); diff != "" {
			t.Errorf("statements (-want +got):\n%s", diff)
		}
	})
}

// ---- Shedding load in a server ----

// shed runs next under a server policy: no retries (a server never retries
// its callers' requests), a bulkhead of at most 100 requests at a time. A
// request that finds no slot within 10 ms is answered 503 with a
// Retry-After, so that the client's backoff takes over.
func shed(next http.Handler) http.Handler {
	policy := redress.MustNew(
		redress.WithOperation("http.server"),
		redress.WithRetry(retry.WithMaxAttempts(1)),
		redress.WithBulkhead(bulkhead.New(100, bulkhead.WithMaxWait(10*time.Millisecond))),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := redress.Do(r.Context(), func(ctx context.Context) error {
			next.ServeHTTP(w, r.WithContext(ctx))
			return nil
		}, policy)
		if errors.Is(err, bulkhead.ErrFull) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		}
	})
}

func TestCookbookShedding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		h := shed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
			fmt.Fprint(w, "ok")
		}))
		codes := make(chan int, 101)
		var wg sync.WaitGroup
		for range 101 {
			wg.Go(func() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				codes <- rec.Code
			})
		}
		// 100 requests hold a slot; the 101st waits 10 ms (of synctest's
		// time, which passes while every goroutine is blocked) and is shed.
		count := map[int]int{<-codes: 1}
		close(release)
		wg.Wait()
		close(codes)
		for c := range codes {
			count[c]++
		}
		if diff := cmp.Diff(map[int]int{200: 100, 503: 1}, count); diff != "" {
			t.Errorf("status codes (-want +got):\n%s", diff)
		}
	})
}
