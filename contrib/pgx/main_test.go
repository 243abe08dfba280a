package redresspgx_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/redress-go/redress"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// dsnEnv names the variable that points the tests at a PostgreSQL server;
// scripts/postgres.sh start prints it.
const dsnEnv = "REDRESS_TEST_POSTGRES_DSN"

// serverDSN returns the test server's DSN. Without one the test is
// skipped, except under CI=true, where a missing server is a failure.
func serverDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		msg := dsnEnv + " is not set: this test needs a PostgreSQL server " +
			`(eval "$(scripts/postgres.sh start /tmp/redress-pg)" starts one)`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// newPool returns a pool on the test server, closed when the test ends.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// newConn returns one connection to the test server (or to dsn, when
// given), closed when the test ends.
func newConn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

var tableSeq atomic.Int64

// newTable creates a table of its own for the test, named after it, with
// columns id int primary key and n int, and the rows given as id → n.
func newTable(t testing.TB, pool *pgxpool.Pool, rows map[int]int) string {
	t.Helper()
	name := "t_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name())) +
		"_" + strconv.FormatInt(tableSeq.Add(1), 10)
	ctx := context.Background()
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := pool.Exec(ctx, "create table "+ident+" (id int primary key, n int not null)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "drop table "+ident) })
	for id, n := range rows {
		if _, err := pool.Exec(ctx, "insert into "+ident+" values ($1, $2)", id, n); err != nil {
			t.Fatal(err)
		}
	}
	return ident
}

// rows returns the table's rows as id → n.
func rows(t testing.TB, pool *pgxpool.Pool, table string) map[int]int {
	t.Helper()
	got := map[int]int{}
	rs, err := pool.Query(context.Background(), "select id, n from "+table)
	if err != nil {
		t.Fatal(err)
	}
	var id, n int
	if _, err := pgx.ForEachRow(rs, []any{&id, &n}, func() error { got[id] = n; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// eventually fails t unless cond holds within d, asking every 10 ms.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

// counted returns an option that counts the call's attempts in n.
func counted(n *atomic.Int32) redress.Option {
	return redress.WithMiddleware(func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			n.Add(1)
			return next(ctx, a)
		}
	})
}
