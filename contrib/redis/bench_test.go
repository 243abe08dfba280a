package redressredis_test

import (
	"context"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressredis "github.com/redress-go/redress/contrib/redis"
)

func BenchmarkBudgetAllowRetry(b *testing.B) {
	addr := serverAddr(b)
	for _, bb := range []struct {
		name   string
		max    int
		window time.Duration
	}{
		{"granted", 1_000_000, time.Millisecond},
		{"denied", 0, time.Minute},
	} {
		b.Run(bb.name, func(b *testing.B) {
			bud := redressredis.NewBudget(newClient(b, addr), testKey(b), bb.max, bb.window)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bud.AllowRetry(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	addr := serverAddr(b)
	key := testKey(b)
	for _, bb := range []struct {
		name string
		hook bool
	}{{"plain", false}, {"hook", true}} {
		b.Run(bb.name, func(b *testing.B) {
			rdb := newClient(b, addr)
			if bb.hook {
				rdb.AddHook(redressredis.NewHook(redress.MustNew(redress.WithBreaker(breaker.New()))))
			}
			ctx := context.Background()
			rdb.Set(ctx, key, "v", 0)
			b.ReportAllocs()
			for b.Loop() {
				if err := rdb.Get(ctx, key).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkBreakerAllow(b *testing.B) {
	addr := serverAddr(b)
	br := redressredis.NewBreaker(newClient(b, addr), testKey(b))
	defer br.Close()
	b.ReportAllocs()
	for b.Loop() {
		t, err := br.Allow()
		if err != nil {
			b.Fatal(err)
		}
		br.Record(t, breaker.Success, 0)
	}
}
