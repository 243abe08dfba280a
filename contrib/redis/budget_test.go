package redressredis_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress"
	"github.com/redress-go/redress/budget"
	redressredis "github.com/redress-go/redress/contrib/redis"
	"github.com/redress-go/redress/redresstest"
)

func TestBudgetExactAcrossClients(t *testing.T) {
	// Two clients (two processes' worth of connections) and 1,000
	// goroutines ask at once for a budget of 100: exactly 100 are granted.
	addr := serverAddr(t)
	key := testKey(t)
	const maxRetries, asks = 100, 1000
	buds := []*redressredis.Budget{
		redressredis.NewBudget(newClient(t, addr), key, maxRetries, time.Minute, redressredis.WithTimeout(10*time.Second)),
		redressredis.NewBudget(newClient(t, addr), key, maxRetries, time.Minute, redressredis.WithTimeout(10*time.Second)),
	}
	var granted, denied, failed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range asks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := buds[i%2].AllowRetry(context.Background())
			switch {
			case err != nil:
				failed.Add(1)
				t.Error(err)
			case ok:
				granted.Add(1)
			default:
				denied.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	got := []int64{granted.Load(), denied.Load(), failed.Load()}
	if diff := cmp.Diff([]int64{maxRetries, asks - maxRetries, 0}, got); diff != "" {
		t.Errorf("granted, denied, failed (-want +got):\n%s", diff)
	}
	for i, b := range buds {
		if b.Remaining() != 0 {
			t.Errorf("budget %d: Remaining = %d, want 0", i, b.Remaining())
		}
	}
}

func TestBudgetSlidingWindow(t *testing.T) {
	// Steps at fixed instants (µs), in place of the server's time: a
	// retry granted at g counts in [g, g+window).
	addr := serverAddr(t)
	b := redressredis.NewBudget(newClient(t, addr), testKey(t), 3, 10*time.Second)
	var now int64
	redressredis.SetBudgetTime(b, func() int64 { return now })
	const s = int64(time.Second / time.Microsecond)
	steps := []struct {
		at            int64
		wantGranted   bool
		wantRemaining int
	}{
		{at: 0, wantGranted: true, wantRemaining: 2},
		{at: 1 * s, wantGranted: true, wantRemaining: 1},
		{at: 2 * s, wantGranted: true, wantRemaining: 0},
		{at: 3 * s, wantGranted: false, wantRemaining: 0},
		{at: 10*s - 1, wantGranted: false, wantRemaining: 0},
		{at: 10 * s, wantGranted: true, wantRemaining: 0}, // the grant at 0 has left
		{at: 10 * s, wantGranted: false, wantRemaining: 0},
		{at: 11 * s, wantGranted: true, wantRemaining: 0},
		{at: 25 * s, wantGranted: true, wantRemaining: 2}, // all have left
	}
	for _, st := range steps {
		now = st.at
		got, err := b.AllowRetry(context.Background())
		if err != nil {
			t.Fatalf("at %dµs: %v", st.at, err)
		}
		if got != st.wantGranted || b.Remaining() != st.wantRemaining {
			t.Errorf("at %dµs: granted %v, remaining %d; want %v, %d", st.at, got, b.Remaining(), st.wantGranted, st.wantRemaining)
		}
	}
}

func TestBudgetInvalid(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	tests := []struct {
		name string
		b    *redressredis.Budget
	}{
		{"nil client", redressredis.NewBudget(nil, "k", 1, time.Second)},
		{"empty key", redressredis.NewBudget(rdb, "", 1, time.Second)},
		{"negative max", redressredis.NewBudget(rdb, "k", -1, time.Second)},
		{"short window", redressredis.NewBudget(rdb, "k", 1, time.Microsecond)},
		{"bad timeout", redressredis.NewBudget(rdb, "k", 1, time.Second, redressredis.WithTimeout(0))},
		{"sync interval", redressredis.NewBudget(rdb, "k", 1, time.Second, redressredis.WithSyncInterval(time.Minute))},
		{"nil option", redressredis.NewBudget(rdb, "k", 1, time.Second, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.b.Err(), budget.ErrInvalidConfig) {
				t.Errorf("Err = %v, want budget.ErrInvalidConfig", tt.b.Err())
			}
			ok, err := tt.b.AllowRetry(context.Background())
			if ok || !errors.Is(err, budget.ErrInvalidConfig) {
				t.Errorf("AllowRetry = %v, %v; want false, budget.ErrInvalidConfig", ok, err)
			}
		})
	}
}

func TestBudgetFailsClosedWhenRedisStops(t *testing.T) {
	// Measured: how long AllowRetry takes to deny once the server is gone.
	// go-redis dials again up to DialerRetries times (5 by default),
	// 100 ms apart, and retries commands MaxRetries times (3 by default):
	// without both off, the budget's timeout (250 ms) is what ends the wait.
	for _, tt := range []struct {
		name string
		opts redis.Options
	}{
		{"go-redis defaults", redis.Options{}},
		{"MaxRetries -1", redis.Options{MaxRetries: -1}},
		{"MaxRetries -1, DialerRetries 1", redis.Options{MaxRetries: -1, DialerRetries: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t)
			opts := tt.opts
			opts.Addr = s.addr
			rdb := redis.NewClient(&opts)
			t.Cleanup(func() { rdb.Close() })
			b := redressredis.NewBudget(rdb, testKey(t), 10, time.Minute)
			if ok, err := b.AllowRetry(context.Background()); !ok || err != nil {
				t.Fatalf("with the server up: %v, %v", ok, err)
			}
			s.stop()
			start := time.Now()
			ok, err := b.AllowRetry(context.Background())
			took := time.Since(start)
			if ok || !errors.Is(err, redressredis.ErrUnavailable) {
				t.Fatalf("AllowRetry = %v, %v; want false, ErrUnavailable", ok, err)
			}
			if took > redressredis.DefaultTimeout+100*time.Millisecond {
				t.Errorf("took %v, more than the timeout (%v)", took, redressredis.DefaultTimeout)
			}
			t.Logf("fail-closed time with the server stopped: %v (%v)", took, err)
		})
	}
}

func TestBudgetFailsClosedWhenRedisHangs(t *testing.T) {
	// CLIENT PAUSE … WRITE holds every script: AllowRetry gives up at its
	// timeout, or at the caller's deadline when that comes first, whatever
	// go-redis's ReadTimeout (3 s here) says.
	s := startServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	admin := newClient(t, s.addr)
	b := redressredis.NewBudget(rdb, testKey(t), 10, time.Minute, redressredis.WithTimeout(200*time.Millisecond))
	if _, err := b.AllowRetry(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		limit time.Duration // the caller's
		want  time.Duration
	}{
		{"timeout first", time.Minute, 200 * time.Millisecond},
		{"caller first", 50 * time.Millisecond, 50 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := admin.Do(context.Background(), "client", "pause", 3000, "write").Err(); err != nil {
				t.Fatal(err)
			}
			defer admin.Do(context.Background(), "client", "unpause")
			ctx, cancel := context.WithTimeout(context.Background(), tt.limit)
			defer cancel()
			start := time.Now()
			ok, err := b.AllowRetry(ctx)
			took := time.Since(start)
			if ok || !errors.Is(err, redressredis.ErrUnavailable) {
				t.Fatalf("AllowRetry = %v, %v; want false, ErrUnavailable", ok, err)
			}
			if took < tt.want || took > tt.want+time.Second {
				t.Errorf("took %v, want about %v", took, tt.want)
			}
			t.Logf("fail-closed time with the server paused: %v (%v)", took, err)
		})
	}
}

func TestBudgetAskedOnlyForRetries(t *testing.T) {
	// First attempts never reach the budget; each retry asks Redis once.
	ctx := context.Background()
	addr := serverAddr(t)
	var asks atomic.Int64
	budClient := newClient(t, addr, countingHook{&asks, make(chan struct{}, 1)})
	bud := redressredis.NewBudget(budClient, testKey(t), 10, time.Minute)
	if err := redressredis.LoadScripts(ctx, budClient); err != nil {
		t.Fatal(err)
	}
	asks.Store(0)
	p := newProxy(t, addr, nth("get", 2, loading))
	rdb := newClient(t, p.addr(), redressredis.NewHook(redress.WithBudget(bud), redresstest.InstantRetries()))
	key := testKey(t)
	for range 10 {
		rdb.Set(ctx, key, "v", 0)
	}
	if n := asks.Load(); n != 0 {
		t.Errorf("%d asks for 10 first attempts, want 0", n)
	}
	if err := rdb.Get(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	if n := asks.Load(); n != 2 {
		t.Errorf("%d asks for 2 retries, want 2", n)
	}
	if got := bud.Remaining(); got != 8 {
		t.Errorf("Remaining = %d, want 8", got)
	}
}
