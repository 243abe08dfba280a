// Package redresspgx runs PostgreSQL work through redress with pgx v5
// (github.com/jackc/pgx/v5).
//
// Classifier sorts pgx's errors into redress's classes: a *pgconn.PgError
// by its SQLSTATE (serialization failures and deadlocks are CONCURRENCY,
// constraint violations PERMANENT, …), a request that never reached the
// server (pgconn.SafeToRetry) and a failed connection TRANSIENT, and
// pgx.ErrNoRows PERMANENT: no rows is the database's answer, not a
// failure to retry.
//
// BeginTxFunc runs a function in a transaction and, when PostgreSQL
// aborts the transaction because of a concurrent one (SQLSTATE 40001 or
// 40P01) or the connection fails before COMMIT, rolls back and runs the
// whole transaction again under a redress policy. A COMMIT whose outcome
// is unknown is never run again: the error matches ErrCommitUnknown.
//
// database/sql users retry a transaction with redress.Do, this package's
// Classifier and CommitError; the package's database/sql example shows
// the pattern.
package redresspgx
