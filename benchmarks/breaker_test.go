package benchmarks

import (
	"context"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
)

// BenchmarkBreaker measures a closed breaker letting a successful call
// through, the case every call pays for. Each breaker is configured as close
// to redress's default as its API allows: open after 5 failures within a
// minute, stay open 30 s.
//
// "serial" runs on one goroutine; "parallel" shares one breaker between
// GOMAXPROCS goroutines, which shows whether callers queue on a lock.
func BenchmarkBreaker(b *testing.B) {
	ctx := context.Background()
	succeedNoCtx := func() (int, error) { return succeed(ctx) }

	type subject struct {
		name string
		// call makes one call through the breaker that make returned.
		make func(b *testing.B) func() (int, error)
	}
	subjects := []subject{
		{"redress/allow-record", func(*testing.B) func() (int, error) {
			br := newBreaker()
			return func() (int, error) {
				t, err := br.Allow()
				if err != nil {
					return 0, err
				}
				v, err := succeedNoCtx()
				br.Record(t, breaker.Success, 0)
				return v, err
			}
		}},
		{"redress/execute", func(b *testing.B) func() (int, error) {
			// A policy with only a breaker (the retry stage is always
			// there), WithoutDeadline.
			p, err := redress.New(redress.WithBreaker(newBreaker()), redress.WithoutDeadline())
			if err != nil {
				b.Fatal(err)
			}
			return func() (int, error) { return redress.Execute(ctx, succeed, p) }
		}},
		{"gobreaker", func(*testing.B) func() (int, error) {
			cb := gobreaker.NewCircuitBreaker[int](gobreaker.Settings{
				Name:        "bench",
				Interval:    time.Minute,
				Timeout:     30 * time.Second,
				ReadyToTrip: func(c gobreaker.Counts) bool { return c.TotalFailures >= 5 },
			})
			return func() (int, error) { return cb.Execute(succeedNoCtx) }
		}},
		{"failsafe-go", func(*testing.B) func() (int, error) {
			cb := circuitbreaker.NewBuilder[int]().
				WithFailureThresholdPeriod(5, time.Minute).
				WithDelay(30 * time.Second).
				Build()
			ex := failsafe.With(cb).WithContext(ctx)
			return func() (int, error) { return ex.Get(succeedNoCtx) }
		}},
	}
	for _, s := range subjects {
		b.Run("serial/"+s.name, func(b *testing.B) {
			call := s.make(b)
			b.ReportAllocs()
			for b.Loop() {
				use(call())
			}
		})
	}
	for _, s := range subjects {
		b.Run("parallel/"+s.name, func(b *testing.B) {
			call := s.make(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					useParallel(call())
				}
			})
		})
	}
}
