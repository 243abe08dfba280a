// The code of docs/databases.md: every Go block of the guide is an excerpt
// of this file, whose tests run it against the test server.

package redresspgx_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redresspgx "github.com/redress-go/redress/contrib/pgx"
	"github.com/redress-go/redress/internal/docsync"
	"github.com/redress-go/redress/retry"
)

func TestGuideInStepWithCode(t *testing.T) {
	docsync.Check(t, "../../docs/databases.md", "guide_test.go")
}

// transfers is the policy of money transfers: conflicts with concurrent
// transfers are retried soon and often; the whole call has 10 seconds.
var transfers = redress.MustNew(
	redress.WithOperation("accounts.transfer"),
	redress.WithRetry(
		retry.WithMaxAttempts(10),
		retry.WithBackoff(backoff.FullJitter(5*time.Millisecond, 200*time.Millisecond)),
	),
	redress.WithDeadline(10*time.Second),
	redress.WithAttemptTimeout(2*time.Second),
)

// transfer moves amount from one account to another. SERIALIZABLE makes
// PostgreSQL abort it (40001) rather than lose a concurrent update;
// BeginTxFunc then runs it again.
func transfer(ctx context.Context, pool *pgxpool.Pool, from, to, amount int) error {
	return redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		var balance int
		err := tx.QueryRow(ctx, "select balance from accounts where id = $1", from).Scan(&balance)
		if err != nil {
			return err // pgx.ErrNoRows: no such account, returned as it is
		}
		if balance < amount {
			return errInsufficientFunds // fn's own error: PERMANENT below
		}
		// Every transfer updates its two rows in id order, so that two
		// transfers never wait for each other in a cycle (a deadlock).
		for _, id := range []int{min(from, to), max(from, to)} {
			delta := amount
			if id == from {
				delta = -amount
			}
			if _, err := tx.Exec(ctx, "update accounts set balance = balance + $1 where id = $2", delta, id); err != nil {
				return err
			}
		}
		return nil
	}, transfers)
}

var errInsufficientFunds = classifier.MarkPermanent(errors.New("insufficient funds"))

// transferSQL is transfer through database/sql (here with pgx's stdlib
// driver): redress.Do runs the whole transaction as one attempt.
func transferSQL(ctx context.Context, db *sql.DB, from, to, amount int) error {
	return redress.Do(ctx, func(ctx context.Context) error {
		// ctx is the attempt's: its end cancels the queries and rolls back.
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			return err
		}
		defer tx.Rollback() // after Commit, does nothing
		// In id order, as in transfer.
		for _, id := range []int{min(from, to), max(from, to)} {
			delta := amount
			if id == from {
				delta = -amount
			}
			if _, err := tx.ExecContext(ctx, "update accounts set balance = balance + $1 where id = $2", delta, id); err != nil {
				return err
			}
		}
		return redresspgx.CommitError(tx.Commit()) // never run again after an unknown COMMIT
	}, transfers, redress.WithClassifier(redresspgx.Classifier))
}

// balance reads one account's balance: a single statement, safe to run
// again, needs no transaction.
func balance(ctx context.Context, pool *pgxpool.Pool, id int) (int, error) {
	return redress.Execute(ctx, func(ctx context.Context) (int, error) {
		var b int
		err := pool.QueryRow(ctx, "select balance from accounts where id = $1", id).Scan(&b)
		return b, err
	}, redress.WithClassifier(redresspgx.Classifier))
}

// newAccounts gives the test a schema of its own holding the guide's
// accounts table, and returns a pool whose connections use it.
func newAccounts(t *testing.T, balances map[int]int) *pgxpool.Pool {
	t.Helper()
	admin := newPool(t)
	ctx := context.Background()
	schema := "guide_" + strconv.FormatInt(tableSeq.Add(1), 10)
	if _, err := admin.Exec(ctx, "drop schema if exists "+schema+" cascade; create schema "+schema+
		"; create table "+schema+".accounts (id int primary key, balance int not null)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "drop schema "+schema+" cascade") })
	for id, b := range balances {
		if _, err := admin.Exec(ctx, "insert into "+schema+".accounts values ($1, $2)", id, b); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := pgxpool.ParseConfig(serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 24 // one for each concurrent transfer, not the default 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func balances(t *testing.T, pool *pgxpool.Pool) map[int]int {
	t.Helper()
	return rows(t, pool, "(select id, balance as n from accounts) as a")
}

// Many concurrent transfers between two accounts, both ways: every one
// commits exactly once.
func TestGuideTransfer(t *testing.T) {
	pool := newAccounts(t, map[int]int{1: 1000, 2: 1000})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				errs[i] = transfer(ctx, pool, 1, 2, 10)
			} else {
				errs[i] = transfer(ctx, pool, 2, 1, 1)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transfer %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(map[int]int{1: 910, 2: 1090}, balances(t, pool)); diff != "" {
		t.Errorf("balances (-want +got):\n%s", diff)
	}

	if err := transfer(ctx, pool, 3, 1, 10); err != pgx.ErrNoRows {
		t.Errorf("transfer from a missing account: err = %v, want pgx.ErrNoRows", err)
	}
	if err := transfer(ctx, pool, 1, 2, 5000); !errors.Is(err, errInsufficientFunds) {
		t.Errorf("transfer of too much: err = %v, want errInsufficientFunds", err)
	}
	if b, err := balance(ctx, pool, 2); err != nil || b != 1090 {
		t.Errorf("balance(2) = %d, %v; want 1090", b, err)
	}
	if _, err := balance(ctx, pool, 3); !errors.Is(err, pgx.ErrNoRows) {
		t.Errorf("balance(3): err = %v, want pgx.ErrNoRows", err)
	}
}

func TestGuideTransferSQL(t *testing.T) {
	pool := newAccounts(t, map[int]int{1: 1000, 2: 1000})
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			if i%2 == 0 {
				errs[i] = transferSQL(ctx, db, 1, 2, 10)
			} else {
				errs[i] = transferSQL(ctx, db, 2, 1, 1)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transfer %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(map[int]int{1: 910, 2: 1090}, balances(t, pool)); diff != "" {
		t.Errorf("balances (-want +got):\n%s", diff)
	}
}
