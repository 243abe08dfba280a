package redressredis_test

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	redressredis "github.com/redress-go/redress/contrib/redis"
)

// The fleet budget gives up on Redis after the timeout (or the caller's
// context, if sooner) and denies the retry: it fails closed.
func ExampleWithTimeout() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	bud := redressredis.NewBudget(rdb, "redress:budget:users", 100, time.Minute,
		redressredis.WithTimeout(100*time.Millisecond))
	fmt.Println(bud.Err())
	bad := redressredis.NewBudget(rdb, "redress:budget:users", 100, time.Minute, redressredis.WithTimeout(0))
	fmt.Println(bad.Err() != nil)
	// Output:
	// <nil>
	// true
}

// The fleet breaker shares what it counted, and takes in the fleet's,
// once per sync interval (and at once when this process opens it).
func ExampleWithSyncInterval() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", MaxRetries: -1})
	defer rdb.Close()
	br := redressredis.NewBreaker(rdb, "redress:breaker:users", redressredis.WithSyncInterval(100*time.Millisecond))
	defer br.Close()
	fmt.Println(br.Err())
	// Output: <nil>
}
