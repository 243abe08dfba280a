// The code of docs/redis.md and docs/fleet.md: every Go block of the two
// guides is an excerpt of this file, whose tests run it.

package redressredis_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressredis "github.com/redress-go/redress/contrib/redis"
	"github.com/redress-go/redress/retry"
)

func TestGuideHook(t *testing.T) {
	addr := serverAddr(t)
	ctx := context.Background()

	rdb := redis.NewClient(&redis.Options{
		Addr:                  addr,
		MaxRetries:            -1,   // the policy retries; go-redis must not retry inside it
		ContextTimeoutEnabled: true, // the policy's timeouts cut a command waiting for its reply
	})
	defer rdb.Close()
	policy := redress.MustNew(
		redress.WithRetry(retry.WithMaxAttempts(4)),
		redress.WithAttemptTimeout(500*time.Millisecond),
		redress.WithBreaker(breaker.New()),
	)
	rdb.AddHook(redressredis.NewHook(policy))

	name, err := rdb.Get(ctx, "user:42:name").Result()
	switch {
	case err == redis.Nil:
		name = "anonymous" // a miss is an answer, not a failure
	case err != nil:
		t.Fatal(err)
	}

	rdb.Del(ctx, "user:42:name")
	if name != "anonymous" {
		t.Errorf("name = %q", name)
	}
}

func TestGuideRepeatable(t *testing.T) {
	rdb := newClient(t, serverAddr(t))

	// Page views are counted approximately: a view counted twice after a
	// broken connection is fine, so INCR may be retried like a read.
	rdb.AddHook(redressredis.NewHook(policyFromConfig(), redressredis.Repeatable("INCR")))
}

func TestGuideSafeToRepeat(t *testing.T) {
	ctx := context.Background()
	rdb := newClient(t, serverAddr(t))
	rdb.AddHook(redressredis.NewHook())
	key, requestID := testKey(t), "req-1"

	// The script applies a request once, whatever the number of times it runs.
	applyOnce := redis.NewScript(`
if redis.call('SADD', KEYS[1] .. ':seen', ARGV[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[2])
end
return tonumber(redis.call('GET', KEYS[1]))`)
	balance, err := applyOnce.Run(redressredis.SafeToRepeat(ctx), rdb, []string{key}, requestID, 10).Int()

	if err != nil || balance != 10 {
		t.Fatalf("balance %d, err %v", balance, err)
	}
	if balance, _ = applyOnce.Run(ctx, rdb, []string{key}, requestID, 10).Int(); balance != 10 {
		t.Errorf("second run: balance %d, want 10", balance)
	}
}

func TestGuideFleet(t *testing.T) {
	rdb := newClient(t, serverAddr(t))

	bud := redressredis.NewBudget(rdb, "redress:budget:users", 100, time.Minute)
	br := redressredis.NewBreaker(rdb, "redress:breaker:users",
		breaker.WithFailureThreshold(5), breaker.WithRecoveryTimeout(30*time.Second))
	defer br.Close()
	policy := redress.MustNew(redress.WithBudget(bud), redress.WithBreaker(br))

	if bud.Err() != nil || br.Err() != nil || policy == nil {
		t.Fatal(bud.Err(), br.Err())
	}
}

func TestGuideFleetOptions(t *testing.T) {
	rdb := newClient(t, serverAddr(t))

	br := redressredis.NewBreaker(rdb, "redress:breaker:payments",
		breaker.WithFailureThreshold(10),
		redressredis.WithSyncInterval(200*time.Millisecond), // an open circuit reaches the fleet within ~200 ms
		redressredis.WithTimeout(100*time.Millisecond),      // each sync gives up after 100 ms
	)
	defer br.Close()
	bud := redressredis.NewBudget(rdb, "redress:budget:payments", 50, time.Minute,
		redressredis.WithTimeout(50*time.Millisecond)) // a retry waits at most 50 ms for Redis's answer

	if bud.Err() != nil || br.Err() != nil {
		t.Fatal(bud.Err(), br.Err())
	}
}

func policyFromConfig() *redress.Policy { return redress.MustNew() }

// TestGuidesInStep fails when a Go block of a guide is not in this file.
// Lines are compared without their indentation, so a block may sit inside
// a test function.
func TestGuidesInStep(t *testing.T) {
	src, err := os.ReadFile("guide_test.go")
	if err != nil {
		t.Fatal(err)
	}
	goBlock := regexp.MustCompile("(?s)```go\n(.*?)```")
	for _, guide := range []string{"../../docs/redis.md", "../../docs/fleet.md"} {
		md, err := os.ReadFile(guide)
		if err != nil {
			t.Fatal(err)
		}
		blocks := goBlock.FindAllSubmatch(md, -1)
		if len(blocks) == 0 {
			t.Errorf("%s has no Go blocks", guide)
		}
		for _, b := range blocks {
			if !strings.Contains(unindent(string(src)), unindent(string(b[1]))) {
				t.Errorf("this block of %s is not in guide_test.go:\n%s", guide, b[1])
			}
		}
	}
}

func unindent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " \t")
	}
	return strings.Join(lines, "\n")
}
