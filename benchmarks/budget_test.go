package benchmarks

import (
	"context"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
)

// BenchmarkBudget measures each kind of retry budget GRANTING a retry, the
// way the redress pipeline uses it for one retry, serial and shared between
// GOMAXPROCS goroutines. Every step must be granted: a refusal fails the
// benchmark, so a row can never measure the (cheaper) refusal path by
// mistake. Package budget has finer-grained benchmarks of its own.
//
// The parameters are chosen so that the budget's level stays put whatever
// the number of iterations:
//
//   - window: New(math.MaxInt, time.Minute) never runs out.
//   - ratio: NewRatio(1) deposits one whole retry per request
//     (RecordRequest) and each granted retry withdraws one, on top of the
//     default reserve of 10 retries per second over its 10 s TTL. At the
//     ratio of 0.2 (Finagle's default) one ask in five would be granted.
//   - token-bucket: NewTokenBucket(100, 1): the failure before the retry
//     takes one token, the retry's success gives it back, so the bucket
//     stays at 100, above half. With a token ratio of 0.1 every step would
//     lose 0.9 tokens and, below half, every ask would be refused.
//   - quota: NewQuota() (the AWS SDK's defaults): a retry after a TRANSIENT
//     failure costs 14 tokens and the success after it refunds them.
func BenchmarkBudget(b *testing.B) {
	ctx := context.Background()
	transient := classifier.Classification{Class: classifier.Transient}
	type subject struct {
		name string
		// make returns one step: the calls the pipeline makes to the
		// budget for one retry, and whether the retry was granted.
		make func() func() bool
	}
	subjects := []subject{
		{"window", func() func() bool {
			w := budget.New(math.MaxInt, time.Minute)
			return func() bool {
				ok, _ := w.AllowRetry(ctx)
				return ok
			}
		}},
		{"ratio", func() func() bool {
			r := budget.NewRatio(1)
			return func() bool {
				r.RecordRequest()
				ok, _ := r.AllowRetry(ctx)
				return ok
			}
		}},
		{"token-bucket", func() func() bool {
			tb := budget.NewTokenBucket(100, 1)
			return func() bool {
				tb.RecordOutcome(false)
				ok, _ := tb.AllowRetry(ctx)
				tb.RecordOutcome(true)
				return ok
			}
		}},
		{"quota", func() func() bool {
			q := budget.NewQuota()
			return func() bool {
				ok, _ := q.AllowRetryFor(ctx, errFlaky, transient)
				q.RecordSuccess(true, transient, errFlaky)
				return ok
			}
		}},
	}
	for _, s := range subjects {
		b.Run("serial/"+s.name, func(b *testing.B) {
			step := s.make()
			refused := 0
			b.ReportAllocs()
			for b.Loop() {
				if !step() {
					refused++
				}
			}
			if refused > 0 {
				b.Fatalf("%d retries refused: this row must measure the grant path", refused)
			}
		})
	}
	for _, s := range subjects {
		b.Run("parallel/"+s.name, func(b *testing.B) {
			step := s.make()
			var refused atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				n := int64(0)
				for pb.Next() {
					if !step() {
						n++
					}
				}
				refused.Add(n)
			})
			if n := refused.Load(); n > 0 {
				b.Fatalf("%d retries refused: this row must measure the grant path", n)
			}
		})
	}
}
