package redresspgx_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/redress-go/redress"
	redresspgx "github.com/redress-go/redress/contrib/pgx"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func ExampleClassifier() {
	for _, err := range []error{
		&pgconn.PgError{Severity: "ERROR", Code: "40001", Message: "could not serialize access due to concurrent update"},
		&pgconn.PgError{Severity: "ERROR", Code: "40P01", Message: "deadlock detected"},
		&pgconn.PgError{Severity: "ERROR", Code: "23505", Message: "duplicate key value violates unique constraint"},
		fmt.Errorf("user 7: %w", pgx.ErrNoRows),
	} {
		fmt.Printf("%v: %v\n", err, redresspgx.Classifier.Classify(err).Class)
	}
	// Output:
	// ERROR: could not serialize access due to concurrent update (SQLSTATE 40001): CONCURRENCY
	// ERROR: deadlock detected (SQLSTATE 40P01): CONCURRENCY
	// ERROR: duplicate key value violates unique constraint (SQLSTATE 23505): PERMANENT
	// user 7: no rows in result set: PERMANENT
}

// The transaction is run again when it fails in a way another run may
// fix. Here no server listens on the pool's port, so BEGIN fails to
// connect (TRANSIENT) on each of the policy's three attempts; the
// example's clock skips the sleeps between them.
func ExampleBeginTxFunc() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://app@127.0.0.1:1/bank?sslmode=disable")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	policy := redress.MustNew(
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
	)

	err = redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "update accounts set balance = balance - 10 where id = 1"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "update accounts set balance = balance + 10 where id = 2")
		return err
	}, policy)

	var se *redress.StopError
	if errors.As(err, &se) {
		fmt.Println(se.Reason, se.Attempts, se.LastClass)
	}
	// Output: MAX_ATTEMPTS_GLOBAL 3 TRANSIENT
}

// database/sql code retries a transaction with redress.Do: each attempt
// is the whole transaction, under the attempt's context, and
// CommitError keeps an unknown COMMIT from running again. Here no server
// listens on the port, so BEGIN fails to connect (TRANSIENT) twice.
func Example_databaseSQL() {
	db, err := sql.Open("pgx", "postgres://app@127.0.0.1:1/bank?sslmode=disable") // pgx's stdlib driver
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	policy := redress.MustNew(
		redress.WithClassifier(redresspgx.Classifier),
		redress.WithRetry(retry.WithMaxAttempts(2)),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
	)

	err = redress.Do(context.Background(), func(ctx context.Context) error {
		tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
		if err != nil {
			return err
		}
		defer tx.Rollback() // after Commit, does nothing
		if _, err := tx.ExecContext(ctx, "update accounts set balance = balance - 10 where id = 1"); err != nil {
			return err
		}
		return redresspgx.CommitError(tx.Commit())
	}, policy)

	var se *redress.StopError
	if errors.As(err, &se) {
		fmt.Println(se.Reason, se.Attempts, se.LastClass)
	}
	// Output: MAX_ATTEMPTS_GLOBAL 2 TRANSIENT
}

func ExampleCommitError() {
	// PostgreSQL answered COMMIT: the transaction did not commit.
	err := redresspgx.CommitError(&pgconn.PgError{Code: "40001"})
	fmt.Println(errors.Is(err, redresspgx.ErrCommitUnknown), redresspgx.Classifier.Classify(err).Class)

	// The connection broke after COMMIT was sent: it may have committed.
	err = redresspgx.CommitError(errors.New("read tcp: connection reset by peer"))
	fmt.Println(errors.Is(err, redresspgx.ErrCommitUnknown), redresspgx.Classifier.Classify(err).Class)
	// Output:
	// false CONCURRENCY
	// true PERMANENT
}
