// Package redressredis runs go-redis (github.com/redis/go-redis/v9)
// commands under a redress policy, and shares a retry budget and a circuit
// breaker through Redis across every process of a fleet. Its directory is
// redis; the package name is redressredis, so an import names it:
//
//	import redressredis "github.com/redress-go/redress/contrib/redis"
//
// # Commands under a policy
//
// NewHook returns a go-redis hook: every command and pipeline of the
// client then runs under the policy (breaker, budget, retries, timeouts),
// classified by Classifier. A miss (redis.Nil) is an answer, not a failure;
// a command the server refused (LOADING, READONLY, CLUSTERDOWN, …) is
// retried whatever it is, and one that may have run (a timeout, a broken
// connection) only if it is safe to run twice. Each command returns the
// error go-redis would have returned.
//
//	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ContextTimeoutEnabled: true})
//	rdb.AddHook(redressredis.NewHook(policy))
//
// # Fleet-wide budget and breaker
//
// A budget or breaker made with the budget and breaker packages counts
// what one process sees. Two hundred processes with a budget of 100
// retries a minute each send 20,000 retries a minute into an outage.
// NewBudget and NewBreaker share theirs through Redis, by key:
//
//	bud := redressredis.NewBudget(rdb, "redress:budget:users", 100, time.Minute)
//	br := redressredis.NewBreaker(rdb, "redress:breaker:users",
//		breaker.WithFailureThreshold(5), breaker.WithRecoveryTimeout(30*time.Second))
//	defer br.Close()
//	policy := redress.MustNew(redress.WithBudget(bud), redress.WithBreaker(br))
//
// The Budget asks Redis once per retry (one atomic Lua script, never for
// a first attempt) and is exact: N processes asking at once are granted
// exactly maxRetries per window. When Redis does not answer in time it
// denies the retry (fails closed). The Breaker never asks Redis in Allow:
// each process decides locally and shares failures and openings in the
// background, every sync interval (1 s by default), and goes on alone when
// Redis is down.
package redressredis
