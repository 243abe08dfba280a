package redressredis

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// SetBudgetTime makes b's script use now (µs) instead of the server's TIME,
// for step tests of the window.
func SetBudgetTime(b *Budget, now func() int64) { b.now = now }

// LoadScripts loads the package's scripts into the server's cache, so that
// a test that counts commands does not count an EVALSHA answered NOSCRIPT
// and the EVAL after it.
func LoadScripts(ctx context.Context, rdb redis.Scripter) error {
	if err := budgetScript.Load(ctx, rdb).Err(); err != nil {
		return err
	}
	return syncScript.Load(ctx, rdb).Err()
}
