package redressredis_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressredis "github.com/redress-go/redress/contrib/redis"
	"github.com/redress-go/redress/retry"
)

func ExampleNewHook() {
	// go-redis's own retries off (MaxRetries: -1), so that the policy's
	// are the only ones; ContextTimeoutEnabled lets the policy's timeouts
	// cut a command that waits for its reply.
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1, ContextTimeoutEnabled: true})
	defer rdb.Close()
	policy, err := redress.New(
		redress.WithRetry(retry.WithMaxAttempts(3)),
		redress.WithAttemptTimeout(time.Second),
	)
	if err != nil {
		panic(err)
	}
	rdb.AddHook(redressredis.NewHook(policy))
	// From here on, rdb.Get(ctx, "user:42") runs under the policy; a
	// missing key is still err == redis.Nil.
	fmt.Println("hook added")
	// Output: hook added
}

func ExampleNewHook_invalidOptions() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	// An invalid option does not panic: every command fails, and none is
	// sent.
	rdb.AddHook(redressredis.NewHook(redress.WithRetry(retry.WithMaxAttempts(0))))
	err := rdb.Get(context.Background(), "user:42").Err()
	fmt.Println(errors.Is(err, redress.ErrInvalidConfig))
	// Output: true
}

func ExampleRepeatable() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	// This application counts page views approximately: an INCR that ran
	// twice after a broken connection is acceptable, so it may be retried.
	rdb.AddHook(redressredis.NewHook(redressredis.Repeatable("INCR")))
	fmt.Println("INCR is retried after a broken connection")
	// Output: INCR is retried after a broken connection
}

func ExampleSafeToRepeat() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	rdb.AddHook(redressredis.NewHook())
	// A script the hook cannot know is idempotent (it records a request ID
	// once): this call says so.
	ctx := redressredis.SafeToRepeat(context.Background())
	_ = ctx // rdb.EvalSha(ctx, sha, keys, requestID) is retried like a read
	fmt.Println("marked")
	// Output: marked
}

func ExampleClassifier() {
	for _, err := range []error{redis.Nil, redis.ErrPoolTimeout, io.EOF, redis.ErrClosed} {
		fmt.Printf("%v: %v\n", err, redressredis.Classifier.Classify(err).Class)
	}
	// Output:
	// redis: nil: PERMANENT
	// redis: connection pool timeout: TRANSIENT
	// EOF: TRANSIENT
	// redis: client is closed: PERMANENT
}

func ExampleNewBudget() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	// 100 retries a minute for the whole fleet: every process that uses
	// the key shares them. NewBudget makes no round trip; each retry asks
	// Redis once.
	bud := redressredis.NewBudget(rdb, "redress:budget:users", 100, time.Minute)
	policy, err := redress.New(redress.WithBudget(bud))
	fmt.Println(bud.Err() == nil, err == nil, bud.Remaining())
	_ = policy
	// Output: true true 100
}

func ExampleNewBreaker() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	// One breaker for the fleet: when a process opens it, the others open
	// theirs within a sync interval.
	br := redressredis.NewBreaker(rdb, "redress:breaker:users",
		breaker.WithFailureThreshold(5), breaker.WithRecoveryTimeout(30*time.Second),
		redressredis.WithSyncInterval(time.Second))
	defer br.Close()
	policy, err := redress.New(redress.WithBreaker(br))
	fmt.Println(br.Err() == nil, err == nil, br.State())
	_ = policy
	// Output: true true closed
}
