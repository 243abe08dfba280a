package redresspgx_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/redress-go/redress"
	redresspgx "github.com/redress-go/redress/contrib/pgx"
)

// The cost of BeginTxFunc over pgx.BeginTxFunc for a transaction that
// does nothing (BEGIN and COMMIT, two round trips to a local server),
// with a prebuilt policy, on one connection.
func BenchmarkBeginTxFunc(b *testing.B) {
	conn := newConn(b, serverDSN(b))
	ctx := context.Background()
	policy := redress.MustNew()
	b.Run("pgx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, noop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redresspgx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := redresspgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, noop, policy); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redresspgx/no-deadline", func(b *testing.B) {
		policy := redress.MustNew(redress.WithoutDeadline())
		b.ReportAllocs()
		for b.Loop() {
			if err := redresspgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, noop, policy); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("redresspgx/options-per-call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := redresspgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, noop, policy, redress.WithOperation("transfer")); err != nil {
				b.Fatal(err)
			}
		}
	})
}
