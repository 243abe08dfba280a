package redresspgx_test

import (
	"context"
	"errors"
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

// failingDB is a TxBeginner whose BeginTx always fails with err.
type failingDB struct {
	err   error
	calls atomic.Int32
}

func (db *failingDB) BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error) {
	db.calls.Add(1)
	return nil, db.err
}

func noop(pgx.Tx) error { return nil }

// Invalid options fail the call with ErrInvalidConfig before any
// transaction is begun.
func TestInvalidOptionsBeginNothing(t *testing.T) {
	tests := []struct {
		give string
		opts []redress.Option
	}{
		{"negative deadline", []redress.Option{redress.WithDeadline(-time.Second)}},
		{"nil option", []redress.Option{nil}},
		{"nil policy", []redress.Option{(*redress.Policy)(nil)}},
		{"nil classifier", []redress.Option{redress.WithClassifier(nil)}},
		{"policy then invalid", []redress.Option{fast, redress.WithAttemptTimeout(0)}},
		{"zero attempts", []redress.Option{redress.WithRetry(retry.WithMaxAttempts(0))}},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			db := &failingDB{err: errors.New("BeginTx was called")}
			err := redresspgx.BeginTxFunc(context.Background(), db, pgx.TxOptions{}, noop, tt.opts...)
			if !errors.Is(err, redress.ErrInvalidConfig) {
				t.Errorf("err = %v, want ErrInvalidConfig", err)
			}
			if got := db.calls.Load(); got != 0 {
				t.Errorf("BeginTx called %d times, want 0", got)
			}
		})
	}
}

func TestNilArgumentsAreInvalid(t *testing.T) {
	db := &failingDB{err: errors.New("BeginTx was called")}
	if err := redresspgx.BeginTxFunc(context.Background(), nil, pgx.TxOptions{}, noop); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("nil db: err = %v, want ErrInvalidConfig", err)
	}
	if err := redresspgx.BeginTxFunc(context.Background(), db, pgx.TxOptions{}, nil); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("nil fn: err = %v, want ErrInvalidConfig", err)
	}
	if got := db.calls.Load(); got != 0 {
		t.Errorf("BeginTx called %d times, want 0", got)
	}
}

// always is a classifier that gives c to everything.
func always(c classifier.Class) classifier.Classifier {
	return classifier.Func(func(error) classifier.Classification { return classifier.Classification{Class: c} })
}

// Classifier is the default; a classifier the caller sets wins, one
// another integration set as its default does not. The same holds for a
// prebuilt policy, given once or many times.
func TestWhichClassifier(t *testing.T) {
	serialization := &pgconn.PgError{Code: "40001"}
	clk := redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0)))
	three := redress.WithRetry(retry.WithMaxAttempts(3))
	tests := []struct {
		give string
		opts []redress.Option
		want int32 // BeginTx calls
	}{
		{"default: CONCURRENCY, retried", []redress.Option{clk, three}, 3},
		{"caller's classifier wins", []redress.Option{clk, three, redress.WithClassifier(always(classifier.Permanent))}, 1},
		{"another default classifier loses", []redress.Option{clk, three, redress.WithDefaultClassifier(always(classifier.Permanent))}, 3},
		{"prebuilt policy", []redress.Option{redress.MustNew(clk, three)}, 3},
		{"prebuilt policy with its classifier", []redress.Option{redress.MustNew(clk, three, redress.WithClassifier(always(classifier.Auth)))}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			for range 2 { // the second time, a prebuilt policy's derived one is reused
				db := &failingDB{err: serialization}
				err := redresspgx.BeginTxFunc(context.Background(), db, pgx.TxOptions{}, noop, tt.opts...)
				if !errors.Is(err, serialization) {
					t.Errorf("err = %v, want the serialization failure", err)
				}
				if diff := cmp.Diff(tt.want, db.calls.Load()); diff != "" {
					t.Errorf("BeginTx calls (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// More prebuilt policies than the cache holds: each call still runs under
// its own policy.
func TestManyPrebuiltPolicies(t *testing.T) {
	clk := redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0)))
	var policies []*redress.Policy
	for n := 1; n <= 20; n++ {
		policies = append(policies, redress.MustNew(clk, redress.WithoutDeadline(), redress.WithRetry(retry.WithMaxAttempts(n))))
	}
	for round := range 2 {
		for i, p := range policies {
			db := &failingDB{err: &pgconn.PgError{Code: "40P01"}}
			_ = redresspgx.BeginTxFunc(context.Background(), db, pgx.TxOptions{}, noop, p)
			if got, want := db.calls.Load(), int32(i+1); got != want {
				t.Errorf("round %d, policy %d: BeginTx calls = %d, want %d", round, i, got, want)
			}
		}
	}
}

// A hedging policy never runs two copies of a transaction.
func TestHedgingRunsOneCopy(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	ctx := context.Background()
	var runs atomic.Int32
	rec := &redresstest.Recorder{}
	err := redresspgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		runs.Add(1)
		_, err := tx.Exec(ctx, "select pg_sleep(0.3); insert into "+table+" select coalesce(max(id), 0) + 1, 1 from "+table)
		return err
	}, fast, redress.WithHedging(10*time.Millisecond, 2), redress.WithObserver(rec))
	if err != nil {
		t.Fatal(err)
	}
	hedges := 0
	for _, e := range rec.Events() {
		if e.Name == redress.EventHedge {
			hedges++
		}
	}
	if hedges == 0 {
		t.Error("no hedge was started: the test proves nothing")
	}
	if got := runs.Load(); got != 1 {
		t.Errorf("fn ran %d times, want 1", got)
	}
	if diff := cmp.Diff(map[int]int{1: 1}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
