// What the hook retries, and what it does not.

package redressredis_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressredis "github.com/redress-go/redress/contrib/redis"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// hooked returns a client that reaches the server through a proxy with
// rule, under a hook with opts and a recorder.
func hooked(t *testing.T, rule func([]string) action, opts ...redress.Option) (*redis.Client, *redresstest.Recorder, *redis.Client) {
	t.Helper()
	addr := serverAddr(t)
	p := newProxy(t, addr, rule)
	rec := &redresstest.Recorder{}
	opts = append(opts, redresstest.InstantRetries(), rec.Option())
	return newClient(t, p.addr(), redressredis.NewHook(opts...)), rec, newClient(t, addr)
}

func TestHookRetriesRefusals(t *testing.T) {
	// A command the server refused (LOADING) did not run: it is retried,
	// even INCR.
	ctx := context.Background()
	rdb, rec, direct := hooked(t, nth("incr", 2, loading))
	key := testKey(t)
	got, err := rdb.Incr(ctx, key).Result()
	if err != nil {
		t.Fatalf("Incr: %v", err)
	}
	if got != 1 {
		t.Errorf("Incr = %d, want 1", got)
	}
	if n, _ := direct.Get(ctx, key).Int(); n != 1 {
		t.Errorf("value on the server = %d, want 1", n)
	}
	want := []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventSuccess}
	if diff := cmp.Diff(want, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]classifier.Class{classifier.Transient, classifier.Transient}, rec.Classes()); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}
}

func TestHookAfterBrokenConnection(t *testing.T) {
	// The proxy sends the first command to the server and then cuts the
	// connection: the command ran, the client does not know it.
	tests := []struct {
		name      string
		cmd       string
		act       action // cutAfter when not set
		run       func(ctx context.Context, rdb *redis.Client, key string) error
		wantValue string // on the server afterwards
		wantErr   bool
		wantNames []redress.EventName
	}{
		{
			name: "GET is retried",
			cmd:  "get",
			run: func(ctx context.Context, rdb *redis.Client, key string) error {
				return rdb.Get(ctx, key).Err()
			},
			wantValue: "seed",
			wantNames: []redress.EventName{redress.EventRetry, redress.EventSuccess},
		},
		{
			name: "GET after EOF is retried",
			cmd:  "get",
			act:  drop,
			run: func(ctx context.Context, rdb *redis.Client, key string) error {
				return rdb.Get(ctx, key).Err()
			},
			wantValue: "seed",
			wantNames: []redress.EventName{redress.EventRetry, redress.EventSuccess},
		},
		{
			name: "SET is retried",
			cmd:  "set",
			run: func(ctx context.Context, rdb *redis.Client, key string) error {
				return rdb.Set(ctx, key, "new", 0).Err()
			},
			wantValue: "new",
			wantNames: []redress.EventName{redress.EventRetry, redress.EventSuccess},
		},
		{
			name: "INCR is not",
			cmd:  "incr",
			run: func(ctx context.Context, rdb *redis.Client, key string) error {
				return rdb.Incr(ctx, key).Err()
			},
			wantValue: "8",
			wantErr:   true,
			wantNames: []redress.EventName{redress.EventPermanentFail},
		},
		{
			name: "SET NX is not",
			cmd:  "set",
			run: func(ctx context.Context, rdb *redis.Client, key string) error {
				return rdb.SetNX(ctx, key+":nx", "x", 0).Err()
			},
			wantValue: "7",
			wantErr:   true,
			wantNames: []redress.EventName{redress.EventPermanentFail},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			act := tt.act
			if act == forward {
				act = cutAfter
			}
			rdb, rec, direct := hooked(t, nth(tt.cmd, 1, act))
			key := testKey(t)
			seed := "7"
			if tt.cmd == "get" {
				seed = "seed"
			}
			direct.Set(ctx, key, seed, 0)
			err := tt.run(ctx, rdb, key)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if got := direct.Get(ctx, key).Val(); got != tt.wantValue {
				t.Errorf("value on the server = %q, want %q", got, tt.wantValue)
			}
			if diff := cmp.Diff(tt.wantNames, rec.Names()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tt.wantErr {
				ev := rec.Events()[0]
				if ev.Class != classifier.Permanent {
					t.Errorf("class = %v, want PERMANENT", ev.Class)
				}
			}
		})
	}
}

func TestHookAfterTimeout(t *testing.T) {
	// The server ran the command, and its reply is held back until the
	// attempt times out: a GET is asked again, an INCR is not.
	ctx := context.Background()
	tests := []struct {
		name      string
		cmd       string
		run       func(rdb *redis.Client, key string) error
		wantValue string
		wantNames []redress.EventName
	}{
		{
			name:      "GET",
			cmd:       "get",
			run:       func(rdb *redis.Client, key string) error { return rdb.Get(ctx, key).Err() },
			wantValue: "7",
			wantNames: []redress.EventName{redress.EventRetry, redress.EventSuccess},
		},
		{
			name:      "INCR",
			cmd:       "incr",
			run:       func(rdb *redis.Client, key string) error { return rdb.Incr(ctx, key).Err() },
			wantValue: "8",
			wantNames: []redress.EventName{redress.EventPermanentFail},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serverAddr(t)
			p := newProxy(t, addr, nth(tt.cmd, 1, noReply))
			rec := &redresstest.Recorder{}
			// On the real clock: the attempt timeout is real time.
			rdb := newClient(t, p.addr(), redressredis.NewHook(
				redress.WithAttemptTimeout(100*time.Millisecond),
				redress.WithRetry(retry.WithBackoff(backoff.Constant(0))),
				rec.Option()))
			direct := newClient(t, addr)
			key := testKey(t)
			direct.Set(ctx, key, "7", 0)
			err := tt.run(rdb, key)
			if got := direct.Get(ctx, key).Val(); got != tt.wantValue {
				t.Errorf("value = %q, want %q (err %v)", got, tt.wantValue, err)
			}
			if diff := cmp.Diff(tt.wantNames, rec.Names()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHookRetriesARefusedConnection(t *testing.T) {
	// Nothing listens: the INCR never reached a server, so it is retried
	// although it is not safe to repeat.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rec := &redresstest.Recorder{}
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer rdb.Close()
	rdb.AddHook(redressredis.NewHook(redress.WithRetry(retry.WithMaxAttempts(3)), redresstest.InstantRetries(), rec.Option()))
	err = rdb.Incr(context.Background(), "k").Err()
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err = %v, want the dial error", err)
	}
	want := []redress.EventName{redress.EventRetry, redress.EventRetry, redress.EventMaxAttemptsExceeded}
	if diff := cmp.Diff(want, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestHookRepeatableOption(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		opts []redress.Option
		ctx  func(context.Context) context.Context
	}{
		{name: "Repeatable(INCR)", opts: []redress.Option{redressredis.Repeatable("INCR")}, ctx: func(c context.Context) context.Context { return c }},
		{name: "Repeatable()", opts: []redress.Option{redressredis.Repeatable()}, ctx: func(c context.Context) context.Context { return c }},
		{name: "SafeToRepeat", ctx: redressredis.SafeToRepeat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rdb, _, direct := hooked(t, nth("incr", 1, cutAfter), tt.opts...)
			key := testKey(t)
			if err := rdb.Incr(tt.ctx(ctx), key).Err(); err != nil {
				t.Fatalf("Incr: %v", err)
			}
			// Told it is safe, the hook ran it twice: that is what it means.
			if got := direct.Get(ctx, key).Val(); got != "2" {
				t.Errorf("value = %q, want 2", got)
			}
		})
	}
}

func TestHookPipelinesNotRetriedAfterBrokenConnection(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cut  string
		run  func(rdb *redis.Client, key string) error
	}{
		{name: "pipeline", cut: "incr", run: func(rdb *redis.Client, key string) error {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Get(ctx, key+":other")
				p.Incr(ctx, key)
				return nil
			})
			return err
		}},
		{name: "read-only pipeline", cut: "get", run: func(rdb *redis.Client, key string) error {
			_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Get(ctx, key)
				p.Get(ctx, key)
				return nil
			})
			return err
		}},
		{name: "MULTI/EXEC", cut: "exec", run: func(rdb *redis.Client, key string) error {
			_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, key)
				return nil
			})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rdb, rec, direct := hooked(t, nth(tt.cut, 1, cutAfter))
			key := testKey(t)
			if err := tt.run(rdb, key); err == nil {
				t.Fatal("err = nil, want the broken connection's")
			}
			if tt.cut != "get" {
				if got := direct.Get(ctx, key).Val(); got != "1" {
					t.Errorf("value = %q, want 1: ran once", got)
				}
			}
			if diff := cmp.Diff([]redress.EventName{redress.EventPermanentFail}, rec.Names()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if got := rec.Events()[0].Operation; got != map[bool]string{true: "multi", false: "pipeline"}[tt.cut == "exec"] {
				t.Errorf("operation = %q", got)
			}
		})
	}
}

func TestHookPipelineRefusedIsRetried(t *testing.T) {
	ctx := context.Background()
	// Every command of the first send is refused: the pipeline did not
	// run, and is sent again.
	rdb, rec, direct := hooked(t, nth("incr", 2, loading))
	key := testKey(t)
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, key)
		p.Incr(ctx, key)
		return nil
	})
	if err != nil {
		t.Fatalf("Pipelined: %v", err)
	}
	if got := direct.Get(ctx, key).Val(); got != "2" {
		t.Errorf("value = %q, want 2", got)
	}
	if diff := cmp.Diff([]redress.EventName{redress.EventRetry, redress.EventSuccess}, rec.Names()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
