package redressredis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress/budget"
)

// Budget is a retry budget shared through Redis by every process that uses
// the same key: at most maxRetries retries are granted, across all of
// them, in any rolling window of time. It is a budget.Budget; give it to
// policies with redress.WithBudget. Make one with NewBudget. A Budget is
// safe for concurrent use.
//
// Each retry asks Redis once, with one Lua script that decides and spends
// atomically, so the count is exact however many processes and goroutines
// ask at once. First attempts never ask (the pipeline consults a budget
// only for retries). The window is a sliding log: the script keeps the
// server time of each of the last maxRetries grants in a sorted set, and
// grants a retry when fewer than maxRetries of them are younger than the
// window. Time is Redis's (the TIME command), so the clocks of the
// processes do not matter. Memory in Redis is one sorted-set entry per
// retry granted within a window, at most maxRetries, and the key expires
// when no retry was granted for a window.
//
// When Redis does not answer within the timeout (WithTimeout), or before
// the caller's context ends, AllowRetry returns an error, so the pipeline
// denies the retry: the budget fails closed. A retry that timed out may
// still have been spent in Redis: the fleet then grants fewer retries,
// never more.
type Budget struct {
	rdb       redis.UniversalClient
	key       string
	max       int
	window    time.Duration
	cfg       fleetConfig
	err       error
	remaining atomic.Int64
	now       func() int64 // tests: server time in µs to use instead of TIME; nil in production
}

var _ budget.Budget = (*Budget)(nil)

// NewBudget returns a budget of maxRetries retries per rolling window,
// shared by every process that uses key on the same Redis. opts accepts
// WithTimeout.
//
// NewBudget makes no round trip and does not panic on invalid arguments:
// a nil rdb, an empty key, maxRetries below 0 or above 1,000,000, a
// window shorter than a millisecond, or an invalid option make a budget
// whose Err reports them (wrapping budget.ErrInvalidConfig) and whose
// AllowRetry denies every retry with that error.
func NewBudget(rdb redis.UniversalClient, key string, maxRetries int, window time.Duration, opts ...Option) *Budget {
	b := &Budget{rdb: rdb, key: key, max: maxRetries, window: window, cfg: newFleetConfig()}
	for _, o := range opts {
		if o == nil {
			b.cfg.invalid("nil option")
			continue
		}
		o.applyFleet(&b.cfg)
	}
	if b.cfg.intervalSet {
		b.cfg.invalid("WithSyncInterval: only NewBreaker accepts it")
	}
	if rdb == nil {
		b.cfg.invalid("rdb is nil")
	}
	if key == "" {
		b.cfg.invalid("key is empty")
	}
	if maxRetries < 0 || maxRetries > 1_000_000 {
		b.cfg.invalid("maxRetries %d: must be in [0, 1000000]", maxRetries)
	}
	if window < time.Millisecond {
		b.cfg.invalid("window %v: must be at least 1ms", window)
	}
	if len(b.cfg.errs) > 0 {
		b.err = fmt.Errorf("%w: redressredis.NewBudget: %s", budget.ErrInvalidConfig, strings.Join(b.cfg.errs, "; "))
	}
	b.remaining.Store(int64(max(maxRetries, 0)))
	return b
}

// Err returns the error of the budget's configuration, which wraps
// budget.ErrInvalidConfig, or nil when it is valid.
func (b *Budget) Err() error { return b.err }

// Remaining returns the retries left in the window, for the fleet, as of
// the last answer Redis gave this Budget (maxRetries before the first).
// It makes no round trip, so it does not see what other processes spent
// since.
func (b *Budget) Remaining() int {
	if b.err != nil {
		return 0
	}
	return int(b.remaining.Load())
}

// ErrUnavailable is wrapped by the error of AllowRetry when Redis did not
// answer: the retry is denied (the budget fails closed).
var ErrUnavailable = errors.New("redressredis: redis did not answer")

// AllowRetry asks Redis for one retry and spends it if the fleet has one
// left in the window. It returns (false, err) when it cannot decide: the
// budget's configuration is invalid (Err), or Redis did not answer within
// the timeout (WithTimeout) or before ctx ended; err then wraps
// ErrUnavailable and the cause. It never waits past ctx or the timeout,
// whatever go-redis's own timeouts are.
func (b *Budget) AllowRetry(ctx context.Context) (bool, error) {
	if b.err != nil {
		return false, b.err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
	}
	ctx, cancel := context.WithTimeoutCause(ctx, b.cfg.timeout, errTimeout)
	defer cancel()
	args := []any{b.max, b.window.Microseconds()}
	if b.now != nil {
		args = append(args, b.now())
	}
	// The script runs on a goroutine of its own, so that a Redis that
	// hangs, with a client whose read deadline is longer than ctx (go-redis
	// ignores the context's deadline unless ContextTimeoutEnabled is set),
	// cannot hold the caller. The goroutine ends when go-redis gives up.
	done := make(chan budgetReply, 1)
	go func() {
		vals, err := budgetScript.Run(withoutHook(ctx), b.rdb, []string{b.key}, args...).Int64Slice()
		done <- budgetReply{vals, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return false, fmt.Errorf("%w: %w", ErrUnavailable, r.err)
		}
		if len(r.vals) != 2 {
			return false, fmt.Errorf("%w: unexpected reply %v", ErrUnavailable, r.vals)
		}
		b.remaining.Store(r.vals[1])
		return r.vals[0] == 1, nil
	case <-ctx.Done():
		return false, fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
	}
}

var errTimeout = errors.New("redressredis: timed out waiting for redis")

type budgetReply struct {
	vals []int64
	err  error
}

// budgetScript grants one retry if fewer than ARGV[1] grants are younger
// than ARGV[2] µs, and records it. KEYS[1] is a sorted set of slots, "0",
// "1", …, each scored with the server time (µs) of the last grant it
// holds. The oldest slot is reused when its grant has left the window;
// otherwise (every slot holds a grant in the window, so there are fewer
// than ARGV[1]) a slot is added. So the set holds at most as many slots as
// grants were live at once, never more than ARGV[1]. It returns {granted (0 or 1), retries left}. ARGV[3], the time
// in µs, is for tests; without it the time is the server's.
//
// Numbers are passed to Redis formatted with %d: Lua would write a time in
// µs (16 digits) with 14 significant digits.
var budgetScript = redis.NewScript(`
local now
if ARGV[3] then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local used = redis.call('ZCOUNT', KEYS[1], string.format('(%d', now - window), '+inf')
if used >= max then
  return {0, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local slot
if oldest[1] and tonumber(oldest[2]) <= now - window then
  slot = oldest[1]
else
  slot = tostring(redis.call('ZCARD', KEYS[1]))
end
redis.call('ZADD', KEYS[1], string.format('%d', now), slot)
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(window / 1000)))
return {1, max - used - 1}
`)

// bypassKey marks the context of the commands a Budget or a Breaker sends,
// so that a hook from NewHook on the same client lets them through
// outside its policy (whose budget or breaker they may be).
type bypassKey struct{}

func withoutHook(ctx context.Context) context.Context {
	return context.WithValue(ctx, bypassKey{}, true)
}
