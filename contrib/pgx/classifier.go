package redresspgx

import (
	"database/sql"
	"database/sql/driver"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/redress-go/redress/classifier"
)

// Classifier classifies the errors of pgx v5 and of database/sql drivers.
// It asks classifier.Default first, which finds markers
// (classifier.Mark…), a SQLSTATE (a *pgconn.PgError has one: 40001
// serialization_failure and 40P01 deadlock_detected are CONCURRENCY,
// class 08 and 57P01 admin_shutdown TRANSIENT, class 28 AUTH, 42501
// PERMISSION, classes 22, 23 and 42 PERMANENT), redress's own attempt
// timeout and reset or refused connections. When that finds nothing (and
// no marker said UNKNOWN), these rules apply, first match wins:
//
//   - pgx.ErrNoRows or sql.ErrNoRows: PERMANENT. No rows is the caller's
//     answer, not a failure of the database; retrying asks the same
//     question again.
//   - pgx.ErrTxClosed or sql.ErrTxDone: PERMANENT. The transaction was
//     already committed or rolled back; running the work again could
//     apply it twice.
//   - an error for which pgconn.SafeToRetry is true (the request never
//     left the client, as when a connection could not be used),
//     driver.ErrBadConn (database/sql's "the connection was bad before the
//     request was sent"), or a *pgconn.ConnectError (connecting failed):
//     TRANSIENT.
//
// Anything else is UNKNOWN, which redress retries only a few times.
// Details holds "sqlstate" when a SQLSTATE decided, as classifier.Default
// gives it.
//
// Classifier is safe for concurrent use.
var Classifier classifier.Classifier = classifier.Func(classify)

func classify(err error) classifier.Classification {
	c := classifier.Default.Classify(err)
	if c.Class != classifier.Unknown || err == nil {
		return c
	}
	var marked *classifier.MarkedError
	if errors.As(err, &marked) {
		return c // a marker is final, even one that says UNKNOWN
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows), errors.Is(err, sql.ErrNoRows),
		errors.Is(err, pgx.ErrTxClosed), errors.Is(err, sql.ErrTxDone):
		return classifier.Classification{Class: classifier.Permanent}
	case pgconn.SafeToRetry(err), errors.Is(err, driver.ErrBadConn), isConnectError(err):
		return classifier.Classification{Class: classifier.Transient}
	}
	return c
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}
