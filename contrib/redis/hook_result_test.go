// What the hook returns, counts and leaves out.

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
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressredis "github.com/redress-go/redress/contrib/redis"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestHookMissIsAnAnswer(t *testing.T) {
	ctx := context.Background()
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithTripOn(classifier.Permanent, classifier.Transient))
	rdb, rec, _ := hooked(t, nth("none", 0, forward), redress.WithBreaker(br))
	for range 3 {
		err := rdb.Get(ctx, testKey(t)).Err()
		if err != redis.Nil {
			t.Fatalf("Get of a missing key = %v, want redis.Nil itself", err)
		}
	}
	want := []redress.EventName{redress.EventSuccess, redress.EventSuccess, redress.EventSuccess}
	if diff := cmp.Diff(want, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if br.State() != breaker.Closed {
		t.Errorf("breaker = %v, want closed: a miss is a success", br.State())
	}
}

func TestHookReturnsTheServerError(t *testing.T) {
	ctx := context.Background()
	rdb, rec, direct := hooked(t, nth("none", 0, forward))
	key := testKey(t)
	direct.LPush(ctx, key, "x")
	err := rdb.Get(ctx, key).Err()
	if !redis.HasErrorPrefix(err, "WRONGTYPE") {
		t.Fatalf("Get of a list = %v, want WRONGTYPE", err)
	}
	var se *redress.StopError
	if errors.As(err, &se) {
		t.Errorf("err is a StopError; want the server's reply as go-redis gives it")
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventPermanentFail}, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestHookOpenBreaker(t *testing.T) {
	ctx := context.Background()
	br := breaker.New()
	br.ForceOpen()
	var sent atomic.Int64
	rdb, _, _ := hooked(t, func(args []string) action {
		if args[0] == "get" {
			sent.Add(1)
		}
		return forward
	}, redress.WithBreaker(br))
	err := rdb.Get(ctx, "k").Err()
	if !errors.Is(err, breaker.ErrOpen) {
		t.Fatalf("err = %v, want breaker.ErrOpen", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d GETs reached the server", n)
	}
}

func TestHookInvalidOptions(t *testing.T) {
	ctx := context.Background()
	var sent atomic.Int64
	rdb, _, _ := hooked(t, func([]string) action { sent.Add(1); return forward },
		redress.WithRetry(retry.WithMaxAttempts(-1)))
	err := rdb.Get(ctx, "k").Err()
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("Get: err = %v, want redress.ErrInvalidConfig", err)
	}
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error { p.Get(ctx, "k"); return nil })
	if !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("Pipelined: err = %v, want redress.ErrInvalidConfig", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d commands reached the server, want none", n)
	}
}

func TestHookLeavesConnectionSetUpOut(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	rdb, rec, _ := hooked(t, func(args []string) action {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, args[0])
		return forward
	})
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// The connection was set up (HELLO, CLIENT SETINFO) for the PING, and
	// only the PING ran under the policy.
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 2 {
		t.Fatalf("the server saw %v; want the set-up commands too", seen)
	}
	var ops []string
	for _, e := range rec.Events() {
		ops = append(ops, e.Operation)
	}
	if diff := cmp.Diff([]string{"ping"}, ops); diff != "" {
		t.Errorf("operations under the policy (-want +got):\n%s\nserver saw %v", diff, seen)
	}
}

func TestHookWithFleetBudgetOnTheSameClient(t *testing.T) {
	// The budget's script goes through the same client, and so through the
	// hook: it runs outside the policy, or each retry would ask the budget
	// for a retry of its own question.
	ctx := context.Background()
	addr := serverAddr(t)
	p := newProxy(t, addr, nth("get", 2, loading))
	rdb := newClient(t, p.addr())
	bud := redressredis.NewBudget(rdb, testKey(t), 1, time.Minute)
	rec := &redresstest.Recorder{}
	rdb.AddHook(redressredis.NewHook(redress.WithBudget(bud), redresstest.InstantRetries(), rec.Option()))
	err := rdb.Get(ctx, testKey(t)).Err()
	if !redis.IsLoadingError(err) {
		t.Fatalf("err = %v, want the second LOADING (the budget had one retry)", err)
	}
	want := []redress.EventName{redress.EventRetry, redress.EventBudgetExhausted}
	if diff := cmp.Diff(want, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	var ops []string
	for _, e := range rec.Events() {
		ops = append(ops, e.Operation)
	}
	if diff := cmp.Diff([]string{"get", "get"}, ops); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
}

func TestHookContextDoneBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var sent atomic.Int64
	rdb, _, _ := hooked(t, func([]string) action { sent.Add(1); return forward })
	err := rdb.Get(ctx, "k").Err()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d commands sent", n)
	}
}

func TestHookOperationName(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		opts []redress.Option
		want string
	}{
		{name: "command", want: "ping"},
		{name: "policy's own", opts: []redress.Option{redress.WithOperation("cache")}, want: "cache"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb, rec, _ := hooked(t, nth("none", 0, forward), tt.opts...)
			if err := rdb.Ping(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if got := rec.Events()[0].Operation; got != tt.want {
				t.Errorf("operation = %q, want %q", got, tt.want)
			}
		})
	}
}
