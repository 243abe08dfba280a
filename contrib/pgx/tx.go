package redresspgx

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

// TxBeginner begins transactions: *pgxpool.Pool and *pgx.Conn are
// TxBeginners.
type TxBeginner interface {
	BeginTx(ctx context.Context, txOptions pgx.TxOptions) (pgx.Tx, error)
}

// ErrCommitUnknown is matched (with errors.Is) by the error of a
// BeginTxFunc whose COMMIT was sent but never answered: the connection
// failed or the attempt's time ran out while PostgreSQL was committing,
// so the transaction may or may not have committed. BeginTxFunc never
// runs such a transaction again; the error still wraps the connection's
// own error, and it is marked PERMANENT (classifier.MarkPermanent), so
// that a retry around BeginTxFunc does not run it again either. Whether
// it committed can be asked of PostgreSQL on a new connection, for
// example with pg_xact_status(xid8) given the transaction's
// pg_current_xact_id(), read inside fn.
var ErrCommitUnknown = errors.New("redresspgx: outcome of COMMIT unknown")

// commitUnknownError is the error of a COMMIT whose outcome is unknown.
type commitUnknownError struct{ err error }

func (e *commitUnknownError) Error() string {
	return "redresspgx: outcome of COMMIT unknown (the connection failed after COMMIT was sent; " +
		"the transaction may or may not have committed, and is not run again): " + e.err.Error()
}

func (e *commitUnknownError) Unwrap() error        { return classifier.MarkPermanent(e.err) }
func (e *commitUnknownError) Is(target error) bool { return target == ErrCommitUnknown }

// errHedged is what a hedged invocation of a transaction returns instead
// of running it: two copies of a transaction may both commit.
var errHedged = fmt.Errorf("%w: redresspgx.BeginTxFunc: a transaction is never hedged (remove WithHedging from its policy)",
	redress.ErrInvalidConfig)

// cleanupTimeout bounds the cancel request and the ROLLBACK that follow
// an attempt that ended early, so that an unresponsive server cannot hold
// the call: a ROLLBACK not answered in time closes the connection, which
// rolls back as well.
const cleanupTimeout = 5 * time.Second

// BeginTxFunc runs fn in a transaction begun on db with txOptions, and
// commits it when fn returns nil, as pgx.BeginTxFunc does, but under a
// redress policy: when the transaction fails in a way that running it
// again may fix, it is rolled back and the whole transaction (BEGIN, fn,
// COMMIT) runs again, with the policy's backoff, until it commits or the
// policy stops. The policy's classifier decides which failures those
// are; it is Classifier unless the options set one with
// redress.WithClassifier. With it, a serialization failure (SQLSTATE
// 40001, from a SERIALIZABLE or REPEATABLE READ transaction) or a
// deadlock (40P01) is CONCURRENCY and retried, as is a connection that
// failed before COMMIT was sent (nothing was committed); a unique
// violation (23505) or other constraint or data error is PERMANENT and
// runs once.
//
// fn has pgx's own signature: its queries use the context it captures,
// usually the caller's ctx. The transaction is begun under the attempt's
// context, and when the attempt ends first (its timeout, the policy's
// deadline, or ctx), the query fn has in flight is cancelled with
// PostgreSQL's cancel request and the transaction is rolled back, even
// if fn then returns nil. fn must return the errors of its queries (a
// cancelled query fails), and must not commit or roll back tx itself.
// Because fn may run more than once, work outside the database (an HTTP
// call, a message sent) does not belong in it.
//
// What BeginTxFunc returns:
//   - nil when a run of the transaction committed.
//   - fn's error unchanged, with the transaction rolled back, when it
//     matches pgx.ErrNoRows: no rows is the caller's answer, not a failure
//     of the database, so it is not retried and the policy's breaker,
//     budget and observers count the call as a success.
//   - an error matching ErrCommitUnknown when COMMIT was sent and its
//     outcome is unknown; never run again.
//   - otherwise the policy's error, a *redress.StopError wrapping the last
//     attempt's error (fn's, BEGIN's or COMMIT's). A caller whose ctx ends
//     gets the transaction rolled back and a StopError with reason
//     redress.StopAborted; its in-flight query, run under ctx, ends as pgx
//     ends it (the connection is closed), and the cancel request stops the
//     query on the server.
//   - an error matching redress.ErrInvalidConfig, with no transaction
//     begun, when db or fn is nil or the options are invalid.
//
// A *redress.Policy is an Option: pass a prebuilt policy for calls on a
// hot path, which then costs no option resolution per call (the policy
// BeginTxFunc derives from it, with Classifier as its default
// classifier, is kept for the last few policies used). A policy that
// hedges (redress.WithHedging) is refused at its first hedge: two copies
// of a transaction may both commit.
func BeginTxFunc(ctx context.Context, db TxBeginner, txOptions pgx.TxOptions, fn func(pgx.Tx) error, opts ...redress.Option) error {
	switch {
	case db == nil:
		return fmt.Errorf("%w: redresspgx.BeginTxFunc: db is nil", redress.ErrInvalidConfig)
	case fn == nil:
		return fmt.Errorf("%w: redresspgx.BeginTxFunc: fn is nil", redress.ErrInvalidConfig)
	}
	p, err := policyFor(opts)
	if err != nil {
		return err
	}
	r := txRun{db: db, txOptions: txOptions, fn: fn}
	err = redress.Do(ctx, func(actx context.Context) error { return r.attempt(ctx, actx) }, p)
	if err == nil && r.answer != nil {
		return r.answer
	}
	return err
}

// txRun is one BeginTxFunc call.
type txRun struct {
	db        TxBeginner
	txOptions pgx.TxOptions
	fn        func(pgx.Tx) error

	running atomic.Int32 // invocations of attempt running: more than one is a hedge
	answer  error        // fn's pgx.ErrNoRows, returned as the call's result
}

// attempt runs the transaction once under the attempt's context actx;
// ctx is the caller's, for the rollback.
func (r *txRun) attempt(ctx, actx context.Context) error {
	if r.running.Add(1) > 1 {
		r.running.Add(-1)
		return errHedged
	}
	defer r.running.Add(-1)

	tx, err := r.db.BeginTx(actx, r.txOptions)
	if err != nil {
		return err
	}
	w := watch(actx, tx)
	finished := false
	defer func() {
		if !finished { // fn panicked: roll back, and let the panic go on
			w.stop()
			rollback(ctx, tx)
		}
	}()
	fnErr := r.fn(tx)
	ended := w.stop()
	finished = true

	if fnErr != nil || ended {
		rollback(ctx, tx)
		switch {
		case errors.Is(fnErr, pgx.ErrNoRows) || errors.Is(fnErr, sql.ErrNoRows):
			r.answer = fnErr
			return nil
		case fnErr != nil:
			return fnErr
		}
		return fmt.Errorf("redresspgx: the attempt ended before COMMIT; transaction rolled back: %w", context.Cause(actx))
	}
	if err := tx.Commit(actx); err != nil {
		return CommitError(err)
	}
	return nil
}

// CommitError returns the error to return from an attempt whose COMMIT
// failed with err, for code that commits a transaction itself (through
// database/sql with pgx's stdlib driver, say) and retries it with redress.
// When the transaction is known not to have committed, it returns err
// unchanged, for the policy to classify: PostgreSQL answered COMMIT with
// an error (a *pgconn.PgError, such as a serialization failure found at
// COMMIT), the transaction had already failed (pgx.ErrTxCommitRollback),
// COMMIT never left the client (pgconn.SafeToRetry, driver.ErrBadConn),
// or the transaction was already over (pgx.ErrTxClosed, sql.ErrTxDone).
// Otherwise COMMIT may have been carried out, and it returns an error
// that matches ErrCommitUnknown, wraps err, and is marked PERMANENT, so
// that no retry runs the transaction again. CommitError(nil) is nil.
func CommitError(err error) error {
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
	case errors.As(err, &pgErr): // PostgreSQL answered COMMIT with an error: rolled back
	case errors.Is(err, pgx.ErrTxCommitRollback): // the transaction had failed: rolled back
	case errors.Is(err, pgx.ErrTxClosed), errors.Is(err, sql.ErrTxDone): // already over: Classifier says PERMANENT
	case pgconn.SafeToRetry(err), errors.Is(err, driver.ErrBadConn): // COMMIT never left the client
	default:
		return &commitUnknownError{err}
	}
	return err
}

// rollback rolls tx back under ctx, for at most cleanupTimeout. When ctx
// is done, pgx closes the connection instead, which rolls back as well.
func rollback(ctx context.Context, tx pgx.Tx) {
	rctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	_ = tx.Rollback(rctx) // an error closes the connection: rolled back too
}

// watcher sends PostgreSQL's cancel request for the query in flight on a
// transaction's connection when the attempt's context ends.
type watcher struct {
	stopFunc func() bool
	sent     chan struct{} // closed once the cancel request is done
}

// watch starts watching actx for tx.
func watch(actx context.Context, tx pgx.Tx) watcher {
	conn := tx.Conn()
	if actx.Done() == nil || conn == nil || conn.PgConn() == nil {
		return watcher{}
	}
	pgConn := conn.PgConn()
	w := watcher{sent: make(chan struct{})}
	w.stopFunc = context.AfterFunc(actx, func() {
		defer close(w.sent)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(actx), cleanupTimeout)
		defer cancel()
		_ = pgConn.CancelRequest(cctx) // best effort: the rollback follows
	})
	return w
}

// stop stops watching and reports whether the attempt's context ended
// first. It then waits for the cancel request to be done, so that it
// cannot reach the connection once it is back in a pool, serving someone
// else.
func (w watcher) stop() (ended bool) {
	if w.stopFunc == nil || w.stopFunc() {
		return false
	}
	<-w.sent
	return true
}
