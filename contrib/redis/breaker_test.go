package redressredis_test

import (
	"context"
	"errors"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressredis "github.com/redress-go/redress/contrib/redis"
	"go.uber.org/goleak"
)

// watched returns a fleet breaker on key with a listener that reports
// each state it moves to on the returned channel.
func watched(t *testing.T, rdb redis.UniversalClient, key string, opts ...breaker.Option) (*redressredis.Breaker, <-chan breaker.State) {
	t.Helper()
	ch := make(chan breaker.State, 16)
	opts = append(opts, breaker.WithOnStateChange(func(_, to breaker.State) {
		select {
		case ch <- to:
		default:
		}
	}))
	b := redressredis.NewBreaker(rdb, key, opts...)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, ch
}

// waitFor waits, at most limit, for the state want on ch, and returns how
// long it took.
func waitFor(t *testing.T, ch <-chan breaker.State, want breaker.State, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	timeout := time.NewTimer(limit)
	defer timeout.Stop()
	for {
		select {
		case s := <-ch:
			if s == want {
				return time.Since(start)
			}
		case <-timeout.C:
			t.Fatalf("no move to %v within %v", want, limit)
		}
	}
}

func fail(b *redressredis.Breaker, n int) {
	for range n {
		tk, err := b.Allow()
		if err != nil {
			return
		}
		b.Record(tk, breaker.Failure, classifier.Transient)
	}
}

func TestBreakerFleetPropagation(t *testing.T) {
	// One process opens the circuit; the other opens within one sync
	// interval (plus a round trip). Measured for two intervals.
	addr := serverAddr(t)
	for _, interval := range []time.Duration{100 * time.Millisecond, redressredis.DefaultSyncInterval} {
		t.Run(interval.String(), func(t *testing.T) {
			key := testKey(t)
			opts := []breaker.Option{breaker.WithFailureThreshold(3), breaker.WithRecoveryTimeout(time.Minute),
				redressredis.WithSyncInterval(interval)}
			a, aCh := watched(t, newClient(t, addr), key, opts...)
			b, bCh := watched(t, newClient(t, addr), key, opts...)
			fail(a, 3)
			waitFor(t, aCh, breaker.Open, time.Second)
			took := waitFor(t, bCh, breaker.Open, interval+5*time.Second)
			t.Logf("sync interval %v: the other process opened %v after the first", interval, took)
			if b.State() != breaker.Open {
				t.Errorf("B: State = %v, want open", b.State())
			}
			if _, err := b.Allow(); !errors.Is(err, breaker.ErrOpen) {
				t.Errorf("B: Allow = %v, want breaker.ErrOpen", err)
			}
			// B opens for what is left of A's open time, not a fresh minute.
			if left := time.Until(b.Local().OpenUntil()); left > time.Minute || left < 50*time.Second {
				t.Errorf("B is open for %v more, want under A's minute", left)
			}
		})
	}
}

func TestBreakerFleetCountsFailures(t *testing.T) {
	// Two failures in A and one in B: neither reaches 3 alone, the fleet
	// does, and both open.
	addr := serverAddr(t)
	key := testKey(t)
	opts := []breaker.Option{breaker.WithFailureThreshold(3), redressredis.WithSyncInterval(50 * time.Millisecond)}
	a, aCh := watched(t, newClient(t, addr), key, opts...)
	b, bCh := watched(t, newClient(t, addr), key, opts...)
	fail(a, 2)
	fail(b, 1)
	waitFor(t, aCh, breaker.Open, 5*time.Second)
	waitFor(t, bCh, breaker.Open, 5*time.Second)
	if a.Local().FailureCount() < 3 && b.Local().FailureCount() < 3 {
		t.Errorf("failure counts %d and %d: neither counted the fleet's 3", a.Local().FailureCount(), b.Local().FailureCount())
	}
}

func TestBreakerGoesOnLocallyAndCatchesUp(t *testing.T) {
	// Redis is unreachable from A: A's breaker still opens, on its own;
	// when Redis answers again, A shares it and B opens.
	addr := serverAddr(t)
	var down atomic.Bool
	p := newProxy(t, addr, func([]string) action {
		if down.Load() {
			return drop
		}
		return forward
	})
	key := testKey(t)
	opts := []breaker.Option{breaker.WithFailureThreshold(3), breaker.WithRecoveryTimeout(time.Minute),
		redressredis.WithSyncInterval(50 * time.Millisecond), redressredis.WithTimeout(100 * time.Millisecond)}
	down.Store(true)
	a, aCh := watched(t, newClient(t, p.addr()), key, opts...)
	_, bCh := watched(t, newClient(t, addr), key, opts...)
	fail(a, 3)
	waitFor(t, aCh, breaker.Open, time.Second)
	select {
	case s := <-bCh:
		t.Fatalf("B moved to %v while A could not reach Redis", s)
	case <-time.After(200 * time.Millisecond):
	}
	down.Store(false)
	took := waitFor(t, bCh, breaker.Open, 5*time.Second)
	t.Logf("B opened %v after Redis came back for A", took)
}

func TestBreakerAllowMakesNoRoundTrip(t *testing.T) {
	addr := serverAddr(t)
	var cmds atomic.Int64
	synced := make(chan struct{}, 1)
	rdb := newClient(t, addr, countingHook{&cmds, synced})
	if err := redressredis.LoadScripts(context.Background(), rdb); err != nil {
		t.Fatal(err)
	}
	<-synced
	b, _ := watched(t, rdb, testKey(t), redressredis.WithSyncInterval(time.Hour))
	<-synced // the first sync, at start: one EVALSHA
	before := cmds.Load()
	for range 10_000 {
		tk, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		b.Record(tk, breaker.Success, 0)
	}
	if got := cmds.Load() - before; got != 0 {
		t.Errorf("%d commands sent during 10,000 Allow and Record calls, want 0", got)
	}
}

func TestBreakerAllowLatencyWithRedisSlowed(t *testing.T) {
	// Every sync waits on a paused server (CLIENT PAUSE … WRITE holds the
	// sync script): Allow goes on at its local cost. Measured, not
	// asserted on time.
	s := startServer(t)
	admin := newClient(t, s.addr)
	var cmds atomic.Int64
	rdb := newClient(t, s.addr, countingHook{&cmds, make(chan struct{}, 1)})
	b, _ := watched(t, rdb, testKey(t), redressredis.WithSyncInterval(10*time.Millisecond))
	if err := admin.Do(context.Background(), "client", "pause", 2000, "write").Err(); err != nil {
		t.Fatal(err)
	}
	defer admin.Do(context.Background(), "client", "unpause")
	const n = 100_000
	lat := make([]time.Duration, n)
	for i := range lat {
		start := time.Now()
		tk, err := b.Allow()
		lat[i] = time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		b.Record(tk, breaker.Success, 0)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("Allow with Redis paused: p50 %v, p99 %v, max %v over %d calls; %d syncs started meanwhile",
		lat[n/2], lat[n*99/100], lat[n-1], n, cmds.Load())
}

func TestBreakerCloseStopsItsGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	addr := serverAddr(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	b := redressredis.NewBreaker(rdb, testKey(t), redressredis.WithSyncInterval(10*time.Millisecond))
	fail(b, 1)
	if err := b.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	// It goes on as a local breaker.
	if _, err := b.Allow(); err != nil {
		t.Errorf("Allow after Close = %v", err)
	}
}

func TestBreakerInvalid(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	tests := []struct {
		name string
		b    *redressredis.Breaker
	}{
		{"nil client", redressredis.NewBreaker(nil, "k")},
		{"empty key", redressredis.NewBreaker(rdb, "")},
		{"short interval", redressredis.NewBreaker(rdb, "k", redressredis.WithSyncInterval(time.Millisecond))},
		{"bad timeout", redressredis.NewBreaker(rdb, "k", redressredis.WithTimeout(-time.Second))},
		{"bad breaker option", redressredis.NewBreaker(rdb, "k", breaker.WithFailureThreshold(0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.b.Err(), breaker.ErrInvalidConfig) {
				t.Errorf("Err = %v, want breaker.ErrInvalidConfig", tt.b.Err())
			}
			if _, err := tt.b.Allow(); !errors.Is(err, breaker.ErrInvalidConfig) {
				t.Errorf("Allow = %v, want breaker.ErrInvalidConfig", err)
			}
			if err := tt.b.Close(); err != nil {
				t.Errorf("Close = %v", err)
			}
		})
	}
}

// countingHook counts the commands and pipelines a client starts to send
// (leaving out connection set-up), and signals on synced after one ended.
type countingHook struct {
	n      *atomic.Int64
	synced chan struct{}
}

func (h countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		switch cmd.Name() {
		case "hello", "client":
			return next(ctx, cmd)
		}
		h.n.Add(1)
		err := next(ctx, cmd)
		select {
		case h.synced <- struct{}{}:
		default:
		}
		return err
	}
}

func (h countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() != "client" {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}
