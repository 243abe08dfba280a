package budget

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/redress-go/redress/classifier"
)

// The fuzz targets drive a budget with a sequence of operations, one byte
// each, on a fake clock, and check what the budget promises against the
// history of grants: never more than it holds, and capacity that comes
// back when promised.

// FuzzWindow: each op byte advances the clock by (op>>1)/32 of the window,
// then asks for a retry if its low bit is set.
func FuzzWindow(f *testing.F) {
	f.Add(uint8(3), uint8(10), uint16(60_000), []byte{1, 1, 1, 1, 2 * 32, 2 * 4, 3})
	f.Add(uint8(1), uint8(1), uint16(1), []byte{1, 1, 3, 3, 5, 255, 1})
	f.Add(uint8(100), uint8(0), uint16(1000), []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add(uint8(0), uint8(5), uint16(10), []byte{1, 255, 1})
	// The width is rounded up, so a spend can outlive window + width by
	// under a nanosecond per bucket.
	f.Add(uint8(100), uint8(90), uint16(1000), []byte{1})
	f.Fuzz(func(t *testing.T, maxRetries, buckets uint8, windowMs uint16, ops []byte) {
		window := time.Duration(max(windowMs, 1)) * time.Millisecond
		n := time.Duration(buckets%32 + 1)
		width := (window + n - 1) / n // the documented granularity
		life := (n + 1) * width       // the longest a spend stays counted
		clk := newFakeClock()
		w := New(int(maxRetries), window, WithClock(clk), WithBuckets(int(n)))
		limit := int(maxRetries)

		var now time.Duration
		var grants []time.Duration
		count := func(from, to time.Duration) int { // grants in [from, to]
			c := 0
			for _, g := range grants {
				if g >= from && g <= to {
					c++
				}
			}
			return c
		}
		for i, op := range ops {
			step := time.Duration(op>>1) * window / 32
			clk.Advance(step)
			now += step
			before := w.Remaining()
			// A spend stays counted for more than window, and for at most
			// (buckets+1)·width.
			if hi, lo := limit-count(now-window, now), limit-count(now-life+1, now); before > hi || before < lo {
				t.Fatalf("op %d at %v: Remaining() = %d, want %d to %d", i, now, before, lo, hi)
			}
			if op&1 == 0 {
				continue
			}
			ok, err := w.AllowRetry(context.Background())
			if err != nil {
				t.Fatalf("op %d: AllowRetry() error = %v", i, err)
			}
			if ok != (before > 0) {
				t.Fatalf("op %d at %v: AllowRetry() = %t with Remaining() = %d", i, now, ok, before)
			}
			if ok {
				grants = append(grants, now)
				if c := count(now-window, now); c > limit {
					t.Fatalf("op %d at %v: %d grants in one window, want at most %d", i, now, c, limit)
				}
			}
		}
		clk.Advance(life)
		if got := w.Remaining(); got != limit {
			t.Fatalf("Remaining() %v after the last op = %d, want %d", life, got, limit)
		}
	})
}

// FuzzRatio: op&3 is 0 for a request, 1 for a retry, 2 or 3 to advance the
// clock by (op>>2)/32 of the TTL.
func FuzzRatio(f *testing.F) {
	f.Add(uint16(200), uint8(0), uint8(10), uint16(10_000), []byte{0, 0, 0, 0, 0, 1, 1, 2 | 32<<2, 1})
	f.Add(uint16(500), uint8(0), uint8(10), uint16(10_000), []byte{0, 0, 0, 0, 2 | 16<<2, 1, 1, 2 | 16<<2, 0, 0, 0, 0, 1, 2 | 8<<2, 1})
	f.Add(uint16(0), uint8(1), uint8(10), uint16(10_000), []byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3 | 32<<2, 1})
	f.Add(uint16(2000), uint8(3), uint8(1), uint16(1), []byte{0, 1, 1, 1, 3, 1, 255, 1})
	f.Fuzz(func(t *testing.T, ratioMilli uint16, minPerSecond, buckets uint8, ttlMs uint16, ops []byte) {
		ratio := float64(ratioMilli) / 1000
		ttl := time.Duration(max(ttlMs, 1)) * time.Millisecond
		clk := newFakeClock()
		r := NewRatio(ratio, WithClock(clk), WithMinPerSecond(float64(minPerSecond)),
			WithTTL(ttl), WithBuckets(int(buckets%32)+1))
		if res := float64(minPerSecond) * ttl.Seconds(); res > 0 && res < 1 {
			// A reserve below one retry is refused (see NewRatio).
			if !errors.Is(r.Err(), ErrInvalidConfig) {
				t.Fatalf("reserve %v: Err() = %v, want ErrInvalidConfig", res, r.Err())
			}
			return
		}
		if err := r.Err(); err != nil {
			t.Fatalf("Err() = %v", err)
		}
		n := time.Duration(len(r.ring.slots))
		w := r.ring.width
		deposit := int64(math.Round(ratio * unit))
		reserve := int64(math.Round(float64(minPerSecond) * ttl.Seconds() * unit))

		var now time.Duration
		var grants, requests []time.Duration
		count := func(ts []time.Duration, after time.Duration) int64 { // in (after, now]
			c := int64(0)
			for _, x := range ts {
				if x > after {
					c++
				}
			}
			return c
		}
		for i, op := range ops {
			switch op & 3 {
			case 0:
				r.RecordRequest()
				requests = append(requests, now)
			case 1:
				before := r.Remaining()
				ok, err := r.AllowRetry(context.Background())
				if err != nil {
					t.Fatalf("op %d: AllowRetry() error = %v", i, err)
				}
				if ok != (before > 0) {
					t.Fatalf("op %d at %v: AllowRetry() = %t with Remaining() = %d", i, now, ok, before)
				}
				if !ok {
					continue
				}
				grants = append(grants, now)
				// Every retry of the last n-1 buckets is still withdrawn,
				// and no deposit older than n buckets is still held.
				spent := count(grants, now-(n-1)*w) * unit
				held := reserve + count(requests, now-n*w)*deposit
				if spent > held {
					t.Fatalf("op %d at %v: retries worth %d units granted against %d held", i, now, spent, held)
				}
			default:
				step := time.Duration(op>>2) * ttl / 32
				clk.Advance(step)
				now += step
			}
			if got := r.Remaining(); got < 0 {
				t.Fatalf("op %d: Remaining() = %d, want >= 0", i, got)
			}
		}
		clk.Advance(ttl)
		if got, want := r.Remaining(), int(reserve/unit); got != want {
			t.Fatalf("Remaining() a TTL after the last op = %d, want the reserve %d", got, want)
		}
	})
}

// FuzzTokenBucket: op&1 is the outcome of one attempt, success when set.
func FuzzTokenBucket(f *testing.F) {
	f.Add(uint16(3999), uint16(1599), []byte{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1}) // gRPC's vector
	f.Add(uint16(0), uint16(0), []byte{0, 1, 1, 0})
	f.Add(uint16(65535), uint16(65535), []byte{0, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, maxMilli, ratioMilli uint16, ops []byte) {
		maxTokens := float64(int(maxMilli)+1) / milli
		b := NewTokenBucket(maxTokens, float64(int(ratioMilli)+1)/milli)
		if err := b.Err(); err != nil {
			t.Fatalf("Err() = %v", err)
		}
		want := int64(maxMilli) + 1 // the model, in milli-tokens
		for i, op := range ops {
			before := b.Remaining()
			success := op&1 == 1
			b.RecordOutcome(success)
			if success {
				want = min(want+int64(ratioMilli)+1, int64(maxMilli)+1)
			} else {
				want = max(want-milli, 0)
			}
			got := b.Tokens()
			if got < 0 || got > maxTokens || got != float64(want)/milli {
				t.Fatalf("op %d (success %t): Tokens() = %v, want %v in [0, %v]", i, success, got, float64(want)/milli, maxTokens)
			}
			ok, err := b.AllowRetry(context.Background())
			if err != nil {
				t.Fatalf("op %d: AllowRetry() error = %v", i, err)
			}
			after := b.Remaining()
			if ok != (after > 0) || ok != (2*want > int64(maxMilli)+1) {
				t.Fatalf("op %d: AllowRetry() = %t with Remaining() = %d and %d of %d milli-tokens", i, ok, after, want, int(maxMilli)+1)
			}
			if !success && before > 0 && after != before-1 {
				t.Fatalf("op %d: a failure took Remaining() from %d to %d, want %d", i, before, after, before-1)
			}
		}
	})
}

// FuzzQuota: op&3 is 0 to ask for a retry after a server error (with plain
// AllowRetry when op&4 is set), 1 after throttling, 2 after an attempt
// timeout, and 3 for a call's success: retried when op&4 is set, after the
// failure (op>>3)%3 (0 a server error, 1 throttling, 2 a timeout). The
// pool is checked against a model after every op.
func FuzzQuota(f *testing.F) {
	f.Add(uint16(500), uint8(14), uint8(14), uint8(5), uint8(1), []byte{0, 0, 3 | 4, 1, 1, 3 | 4 | 8, 2, 3, 4})
	f.Add(uint16(30), uint8(10), uint8(20), uint8(3), uint8(7), []byte{2, 2, 0, 1, 1, 1, 3, 3 | 4 | 16, 3 | 4 | 16, 3})
	f.Add(uint16(0), uint8(0), uint8(1), uint8(0), uint8(0), []byte{0, 1, 2, 3, 4, 7})
	f.Add(uint16(65535), uint8(255), uint8(255), uint8(255), uint8(255), []byte{3, 3, 0, 0, 0, 3 | 4})
	f.Fuzz(func(t *testing.T, capacity uint16, retryCost, timeoutCost, throttleCost, increment uint8, ops []byte) {
		q := NewQuota(WithCapacity(int(capacity)), WithRetryCost(int(retryCost)),
			WithTimeoutCost(int(timeoutCost)), WithThrottleCost(int(throttleCost)),
			WithNoRetryIncrement(int(increment)))
		if err := q.Err(); err != nil {
			t.Fatalf("Err() = %v", err)
		}
		failures := [3]struct {
			err   error
			class classifier.Classification
			cost  int64
		}{
			{errServer, classifier.Classification{Class: classifier.ServerError}, int64(retryCost)},
			{errThrottled, classifier.Classification{Class: classifier.RateLimit}, int64(throttleCost)},
			{errTimedOut, classifier.Classification{Class: classifier.Transient}, int64(timeoutCost)},
		}
		want := int64(capacity) // the model
		for i, op := range ops {
			switch kind := op & 3; kind {
			case 3:
				f := failures[(op>>3)%3]
				if op&4 != 0 {
					q.RecordSuccess(true, f.class, f.err)
					want = min(want+f.cost, int64(capacity))
				} else {
					q.RecordSuccess(false, classifier.Classification{}, nil)
					want = min(want+int64(increment), int64(capacity))
				}
			default:
				f := failures[kind]
				var ok bool
				var err error
				if kind == 0 && op&4 != 0 {
					ok, err = q.AllowRetry(context.Background())
				} else {
					ok, err = q.AllowRetryFor(context.Background(), f.err, f.class)
				}
				if err != nil {
					t.Fatalf("op %d: error = %v", i, err)
				}
				if ok != (want >= f.cost) {
					t.Fatalf("op %d: granted %t a retry costing %d with %d tokens", i, ok, f.cost, want)
				}
				if ok {
					want -= f.cost
				}
			}
			got := q.Remaining()
			if got < 0 || got > int(capacity) || int64(got) != want {
				t.Fatalf("op %d: Remaining() = %d, want %d in [0, %d]", i, got, want, capacity)
			}
		}
	})
}
