package guides_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
)

// fakeDriverName is a database/sql driver that runs nothing and records
// what it was asked, for the transaction recipe of docs/cookbook.md.
const fakeDriverName = "guides-fake"

func init() { sql.Register(fakeDriverName, fakeDriver{}) }

type statementLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *statementLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
}

func (l *statementLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

var fakeLog statementLog

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return fakeConn{}, nil }

type fakeConn struct{}

func (fakeConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("fake driver: no prepared statements")
}
func (fakeConn) Close() error              { return nil }
func (fakeConn) Begin() (driver.Tx, error) { return nil, errors.New("fake driver: use BeginTx") }

func (fakeConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	fakeLog.add("begin")
	return fakeTx{}, nil
}

func (fakeConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	fakeLog.add("exec")
	return driver.RowsAffected(1), nil
}

type fakeTx struct{}

func (fakeTx) Commit() error   { fakeLog.add("commit"); return nil }
func (fakeTx) Rollback() error { fakeLog.add("rollback"); return nil }
