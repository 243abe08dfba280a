package redresspgx_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	redresspgx "github.com/redress-go/redress/contrib/pgx"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// fast is a policy that retries at once, so tests spend their time in the
// database only.
var fast = redress.MustNew(redress.WithRetry(retry.WithBackoff(redresstest.Sequence(0))))

// barrier lets n goroutines through once all n have arrived.
type barrier struct {
	wg   sync.WaitGroup
	done chan struct{}
}

func newBarrier(n int) *barrier {
	b := &barrier{done: make(chan struct{})}
	b.wg.Add(n)
	go func() { b.wg.Wait(); close(b.done) }()
	return b
}

// arrive blocks until all have arrived, or ctx ends.
func (b *barrier) arrive(ctx context.Context) error {
	b.wg.Done()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Two SERIALIZABLE transfers read the same balances before either writes
// (a barrier makes sure of it), so without a retry one update would be
// lost. PostgreSQL aborts one of them with 40001; BeginTxFunc runs it
// again, and both commit exactly once.
func TestOverlappingSerializableTransfersBothCommit(t *testing.T) {
	pool := newPool(t)
	accounts := newTable(t, pool, map[int]int{1: 1000, 2: 0})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	both := newBarrier(2)
	transfer := func(amount int, attempts *atomic.Int32) error {
		return redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
			var from, to int
			if err := tx.QueryRow(ctx, "select n from "+accounts+" where id = 1").Scan(&from); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, "select n from "+accounts+" where id = 2").Scan(&to); err != nil {
				return err
			}
			if attempts.Load() == 1 {
				if err := both.arrive(ctx); err != nil { // both have read
					return err
				}
			}
			if _, err := tx.Exec(ctx, "update "+accounts+" set n = $1 where id = 1", from-amount); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "update "+accounts+" set n = $1 where id = 2", to+amount)
			return err
		}, fast, counted(attempts))
	}

	var attempts [2]atomic.Int32
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, amount := range []int{10, 20} {
		wg.Go(func() { errs[i] = transfer(amount, &attempts[i]) })
	}
	wg.Wait()

	if diff := cmp.Diff([]error{nil, nil}, errs, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Fatalf("transfers' errors (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]int{1: 970, 2: 30}, rows(t, pool, accounts)); diff != "" {
		t.Errorf("balances (-want +got):\n%s", diff)
	}
	got := []int{int(attempts[0].Load()), int(attempts[1].Load())}
	slices.Sort(got)
	if diff := cmp.Diff([]int{1, 2}, got); diff != "" {
		t.Errorf("attempts of the two transfers, sorted (-want +got):\n%s", diff)
	}
}

// A unique violation is the caller's mistake: the transaction runs once.
func TestUniqueViolationRunsOnce(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, map[int]int{1: 1})
	ctx := context.Background()
	var runs atomic.Int32
	err := redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		runs.Add(1)
		if _, err := tx.Exec(ctx, "insert into "+table+" values (2, 2)"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "insert into "+table+" values (1, 1)")
		return err
	}, fast)

	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("err = %v, want a *pgconn.PgError with SQLSTATE 23505", err)
	}
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *redress.StopError", err)
	}
	type stop struct {
		Reason   redress.StopReason
		Attempts int
		Class    classifier.Class
		Runs     int32
	}
	want := stop{redress.StopNonRetryable, 1, classifier.Permanent, 1}
	if diff := cmp.Diff(want, stop{se.Reason, se.Attempts, se.LastClass, runs.Load()}); diff != "" {
		t.Errorf("stop (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]int{1: 1}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows: the insert of 2 was not rolled back (-want +got):\n%s", diff)
	}
}

// Two transactions lock two rows in opposite orders: PostgreSQL breaks the
// deadlock by aborting one with 40P01, which runs again and commits.
func TestDeadlockIsRetried(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, map[int]int{1: 0, 2: 0})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	rec := &redresstest.Recorder{}
	both := newBarrier(2)
	lock := func(first, second int, attempts *atomic.Int32) error {
		return redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "update "+table+" set n = n + 1 where id = $1", first); err != nil {
				return err
			}
			if attempts.Load() == 1 {
				if err := both.arrive(ctx); err != nil { // each holds its first row
					return err
				}
			}
			_, err := tx.Exec(ctx, "update "+table+" set n = n + 1 where id = $1", second)
			return err
		}, redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond))),
			counted(attempts), redress.WithObserver(rec))
	}
	var attempts [2]atomic.Int32
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = lock(1, 2, &attempts[0]) })
	wg.Go(func() { errs[1] = lock(2, 1, &attempts[1]) })
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(map[int]int{1: 2, 2: 2}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	var retried []string
	for _, e := range rec.Events() {
		if e.Name == redress.EventRetry {
			var pgErr *pgconn.PgError
			errors.As(e.Err, &pgErr)
			retried = append(retried, e.Class.String()+" "+pgErr.Code)
		}
	}
	// At least one retry, and only of deadlocks. (A retry at once could
	// take the first row again before the survivor gets it, and deadlock
	// again: hence the backoff.)
	if len(retried) == 0 {
		t.Error("no retry: no deadlock happened")
	}
	for _, r := range retried {
		if r != "CONCURRENCY 40P01" {
			t.Errorf("retried %q, want only CONCURRENCY 40P01", r)
		}
	}
}

// backendSleeping reports whether the backend pid is running pg_sleep.
func backendSleeping(t *testing.T, pool interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, pid uint32) bool {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(),
		"select count(*) from pg_stat_activity where pid = $1 and state = 'active' and query like '%pg_sleep%'", pid).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// A caller who gives up during a query gets ABORTED at once; the query is
// cancelled on the server (not left running until it ends by itself) and
// the transaction's write is rolled back.
func TestCallerCancelCancelsQueryAndRollsBack(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	pids := make(chan uint32, 1)
	var runs atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			runs.Add(1)
			if _, err := tx.Exec(ctx, "insert into "+table+" values (1, 1)"); err != nil {
				return err
			}
			pids <- tx.Conn().PgConn().PID()
			_, err := tx.Exec(ctx, "select pg_sleep(60)")
			return err
		}, fast)
	}()
	pid := <-pids
	eventually(t, 10*time.Second, "pg_sleep started", func() bool { return backendSleeping(t, pool, pid) })
	cancel()
	err := <-done

	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopAborted || se.Attempts != 1 {
		t.Fatalf("err = %v, want a StopError ABORTED after 1 attempt", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to match context.Canceled", err)
	}
	// Without the cancel request the server would sleep for a minute.
	eventually(t, 10*time.Second, "pg_sleep cancelled on the server",
		func() bool { return !backendSleeping(t, pool, pid) })
	if diff := cmp.Diff(map[int]int{}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows: the insert was not rolled back (-want +got):\n%s", diff)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("fn ran %d times, want 1", got)
	}
}

// An attempt that runs out of its own time has its query cancelled on the
// server, even though fn's query runs under the caller's context (which
// has not ended); the transaction is rolled back and run again, on the
// same connection, which stays usable.
func TestAttemptTimeoutCancelsQuery(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	conn := newConn(t, serverDSN(t))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	rec := &redresstest.Recorder{}
	var attempts atomic.Int32
	start := time.Now()
	err := redresspgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "insert into "+table+" values ($1, 1)", attempts.Load()); err != nil {
			return err
		}
		if attempts.Load() == 1 {
			_, err := tx.Exec(ctx, "select pg_sleep(60)")
			return err
		}
		return nil
	}, fast, redress.WithAttemptTimeout(500*time.Millisecond), counted(&attempts), redress.WithObserver(rec))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("BeginTxFunc: %v", err)
	}
	if elapsed > 20*time.Second {
		t.Errorf("took %v: the first attempt's query was not cancelled at its timeout", elapsed)
	}
	if diff := cmp.Diff(map[int]int{2: 1}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows: want only the second attempt's (-want +got):\n%s", diff)
	}
	var classes []string
	for _, e := range rec.Events() {
		if e.Name == redress.EventRetry {
			classes = append(classes, e.Class.String())
			var pgErr *pgconn.PgError
			if !errors.As(e.Err, &pgErr) || pgErr.Code != "57014" {
				t.Errorf("retried error = %v, want the query cancelled on the server (SQLSTATE 57014)", e.Err)
			}
		}
	}
	if diff := cmp.Diff([]string{"TRANSIENT"}, classes); diff != "" {
		t.Errorf("retries (-want +got):\n%s", diff)
	}
	var one int
	if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("the connection is not usable after the timeout: %v", err)
	}
}

// No rows is an answer: fn's error comes back as it is, after one run, its
// transaction rolled back, and the policy sees a success.
func TestNoRowsIsAnAnswer(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	ctx := context.Background()
	rec := &redresstest.Recorder{}
	var runs atomic.Int32
	err := redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		runs.Add(1)
		if _, err := tx.Exec(ctx, "insert into "+table+" values (1, 1)"); err != nil {
			return err
		}
		var n int
		return tx.QueryRow(ctx, "select n from "+table+" where id = 2").Scan(&n)
	}, fast, redress.WithObserver(rec))

	if err != pgx.ErrNoRows {
		t.Errorf("err = %v, want pgx.ErrNoRows itself", err)
	}
	var names []redress.EventName
	for _, e := range rec.Events() {
		names = append(names, e.Name)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventSuccess}, names); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("fn ran %d times, want 1", got)
	}
	if diff := cmp.Diff(map[int]int{}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows: the insert was not rolled back (-want +got):\n%s", diff)
	}
}

// A panic in fn rolls the transaction back, gives the connection back to
// the pool, and goes on unchanged.
func TestPanicRollsBack(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	ctx := context.Background()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		_ = redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "insert into "+table+" values (1, 1)"); err != nil {
				return err
			}
			panic("boom")
		}, fast)
	}()
	if diff := cmp.Diff(map[int]int{}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got := pool.Stat().AcquiredConns(); got != 0 {
		t.Errorf("connections still acquired: %d", got)
	}
}

// An attempt whose time ran out is rolled back even when fn ignores the
// failure of its cancelled query and returns nil: no COMMIT after the
// attempt ended.
func TestAttemptEndedBeforeCommitRollsBack(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()

	rec := &redresstest.Recorder{}
	var attempts atomic.Int32
	err := redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "insert into "+table+" values ($1, 1)", attempts.Load()); err != nil {
			return err
		}
		if attempts.Load() == 1 {
			_, _ = tx.Exec(ctx, "select pg_sleep(60)") // cancelled at the attempt's timeout; ignored
		}
		return nil
	}, fast, redress.WithAttemptTimeout(500*time.Millisecond), counted(&attempts), redress.WithObserver(rec))
	if err != nil {
		t.Fatalf("BeginTxFunc: %v", err)
	}
	if diff := cmp.Diff(map[int]int{2: 1}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows: want only the second attempt's (-want +got):\n%s", diff)
	}
	var retried []error
	for _, e := range rec.Events() {
		if e.Name == redress.EventRetry {
			retried = append(retried, e.Err)
		}
	}
	if len(retried) != 1 || !errors.Is(retried[0], classifier.ErrAttemptTimeout) {
		t.Errorf("retried after %v, want one attempt timeout", retried)
	}
}
