package redressredis

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/internal/clock"
)

// Breaker is a circuit breaker shared through Redis by every process that
// uses the same key: when one process opens the circuit, the others open
// theirs within one sync interval. It is a redress.CircuitBreaker; give it
// to policies with redress.WithBreaker. Make one with NewBreaker, and call
// Close when done with it. A Breaker is safe for concurrent use.
//
// Each process decides locally, with a *breaker.Breaker: Allow and Record
// make no round trip to Redis, and cost what the local breaker costs. A
// goroutine shares with the fleet, every sync interval (WithSyncInterval,
// 1 s by default), and at once when this process opens the circuit:
//
//   - the failures this process recorded since the last sync, by class,
//     which the other processes count in their own windows
//     (breaker.Breaker.AddFailures), so that the fleet's failures add up
//     towards each process's thresholds;
//   - the time until which this process opened the circuit, in Redis's
//     time; every process whose circuit is not open until then opens it
//     for what is left (breaker.Breaker.OpenFor).
//
// So an open circuit reaches every process within one sync interval plus
// a round trip, and failures counted elsewhere reach each window within
// one interval. Each process probes on its own once the open time has
// passed (breaker.WithHalfOpenProbes is per process), and a probe that
// fails opens the circuit for the fleet again.
//
// When Redis does not answer, the Breaker goes on as a local breaker, and
// keeps what it has to share: when Redis answers again, the failures it
// counted meanwhile and an open circuit are shared at the next sync.
//
// Failures of a call that panicked (breaker.Panicked) count locally but are
// not shared, and neither are successes: with breaker.WithFailureRate each
// process weighs the fleet's failures against its own calls, so prefer a
// failure count (breaker.WithFailureThreshold) for a fleet. The local breaker
// runs on the real clock, as the syncs do: do not give NewBreaker
// breaker.WithClock.
type Breaker struct {
	rdb   redis.UniversalClient
	key   string
	local *breaker.Breaker
	cfg   fleetConfig
	err   error

	pending  [classifier.NumClasses]atomic.Int64 // failures recorded here, not shared yet
	opened   atomic.Bool                         // this process opened the circuit; not shared yet
	applying atomic.Bool                         // the sync goroutine is opening the local breaker
	kick     chan struct{}

	// Owned by the sync goroutine.
	seen    [classifier.NumClasses]int64 // the fleet's failure counters at the last sync
	started bool

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ redress.CircuitBreaker = (*Breaker)(nil)

// NewBreaker returns a circuit breaker shared by every process that uses
// key on the same Redis. opts are the options of breaker.New, which
// configure each process's breaker (thresholds, window, recovery timeout,
// probes, listeners), and the Options WithSyncInterval and WithTimeout.
// Give every process the same options. Listeners given with
// breaker.WithOnStateChange hear every change of this process's breaker,
// those the fleet caused included.
//
// NewBreaker starts the goroutine that syncs with Redis; Close stops it.
// It makes no round trip itself and does not panic on invalid arguments:
// a nil rdb, an empty key or an invalid option make a breaker whose Err
// reports them (wrapping breaker.ErrInvalidConfig), whose Allow rejects
// every call with that error, and which starts no goroutine.
func NewBreaker(rdb redis.UniversalClient, key string, opts ...breaker.Option) *Breaker {
	b := &Breaker{rdb: rdb, key: key, cfg: newFleetConfig(),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	local := make([]breaker.Option, 0, len(opts)+1)
	for _, o := range opts {
		if fo, ok := o.(Option); ok {
			fo.applyFleet(&b.cfg)
			continue
		}
		local = append(local, o)
	}
	local = append(local, breaker.WithOnStateChange(b.onStateChange))
	b.local = breaker.New(local...)
	if rdb == nil {
		b.cfg.invalid("rdb is nil")
	}
	if key == "" {
		b.cfg.invalid("key is empty")
	}
	switch {
	case len(b.cfg.errs) > 0:
		b.err = fmt.Errorf("%w: redressredis.NewBreaker: %s", breaker.ErrInvalidConfig, strings.Join(b.cfg.errs, "; "))
	case b.local.Err() != nil:
		b.err = b.local.Err()
	}
	if b.err != nil {
		close(b.done)
		return b
	}
	go b.loop()
	return b
}

// Err returns the error of the breaker's configuration, which wraps
// breaker.ErrInvalidConfig, or nil when it is valid.
func (b *Breaker) Err() error { return b.err }

// Allow asks the local breaker for permission to make one call, with no
// round trip: see breaker.Breaker.Allow.
func (b *Breaker) Allow() (breaker.Ticket, error) {
	if b.err != nil {
		return breaker.Ticket{}, b.err
	}
	return b.local.Allow()
}

// Record reports the outcome of a call that Allow let through, to the local
// breaker (see breaker.Breaker.Record); a failure recorded while the
// circuit is closed is shared with the fleet at the next sync.
func (b *Breaker) Record(t breaker.Ticket, o breaker.Outcome, c classifier.Class) breaker.Transition {
	if b.err != nil {
		return breaker.Transition{}
	}
	if o == breaker.Failure && c.Valid() && b.local.State() == breaker.Closed {
		b.pending[c].Add(1)
	}
	return b.local.Record(t, o, c)
}

// State returns the circuit's state as this process sees it, which
// follows the fleet's within one sync interval.
func (b *Breaker) State() breaker.State { return b.local.State() }

// Local returns the process's own breaker, which decides Allow: for its
// failure count, its listeners' view, or to force it open or reset it in
// this process only.
func (b *Breaker) Local() *breaker.Breaker { return b.local }

// Close stops the goroutine that syncs with Redis, after a sync in flight
// has ended (within the timeout, WithTimeout). The breaker goes on as a
// local breaker. Close returns nil; calling it again does nothing.
//
// Close keeps its bound even when Redis hangs: a sync script still
// waiting for Redis's answer then runs on in a goroutine of its own until
// go-redis gives up on it (the client's ReadTimeout, 3 s by default), as
// the budget's scripts do. Set a ReadTimeout on the client (not -1) so
// that such a goroutine always ends.
func (b *Breaker) Close() error {
	if b.err != nil {
		return nil
	}
	b.closeOnce.Do(func() { close(b.stop) })
	<-b.done
	return nil
}

// onStateChange notes that this process opened the circuit, to share it.
func (b *Breaker) onStateChange(_, to breaker.State) {
	if to != breaker.Open || b.applying.Load() {
		return
	}
	b.opened.Store(true)
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *Breaker) loop() {
	defer close(b.done)
	for {
		b.sync()
		t := clock.Real.NewTimer(b.cfg.interval)
		select {
		case <-b.stop:
			t.Stop()
			return
		case <-t.C():
		case <-b.kick:
			t.Stop()
		}
	}
}

// sync shares what this process has to share and takes in the fleet's,
// in one round trip (one script).
func (b *Breaker) sync() {
	var sent [classifier.NumClasses]int64
	for c := range sent {
		sent[c] = b.pending[c].Swap(0)
	}
	opened := b.opened.Swap(false)
	var openFor time.Duration
	if opened {
		if until := b.local.OpenUntil(); !until.IsZero() {
			openFor = until.Sub(clock.Real.Now())
		}
	}
	args := make([]any, 0, 2+len(sent))
	args = append(args, openFor.Microseconds(), syncKeyTTL.Milliseconds())
	for c, n := range sent {
		args = append(args, failureFields[c], n)
	}
	ctx, cancel := context.WithTimeout(withoutHook(context.Background()), b.cfg.timeout)
	vals, err := b.run(ctx, args)
	cancel()
	if err != nil || len(vals) != 1+classifier.NumClasses {
		// Keep it all for the next sync.
		for c, n := range sent {
			b.pending[c].Add(n)
		}
		if opened && b.local.State() == breaker.Open {
			b.opened.Store(true)
		}
		return
	}
	b.apply(vals, sent)
}

// run runs the sync script, giving up after ctx whatever go-redis's own
// timeouts are.
func (b *Breaker) run(ctx context.Context, args []any) ([]int64, error) {
	done := make(chan budgetReply, 1)
	go func() {
		vals, err := syncScript.Run(ctx, b.rdb, []string{b.key}, args...).Int64Slice()
		done <- budgetReply{vals, err}
	}()
	select {
	case r := <-done:
		return r.vals, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// apply takes the fleet's state in: the circuit's open time left, and
// the failure counters, of which sent came from this process.
func (b *Breaker) apply(vals []int64, sent [classifier.NumClasses]int64) {
	left := time.Duration(vals[0]) * time.Microsecond
	if left > 0 {
		until := b.local.OpenUntil()
		// Open a breaker that is not open, or whose open time ends more
		// than a tenth of an interval before the fleet's.
		if b.local.State() != breaker.Open || until.Sub(clock.Real.Now()) < left-b.cfg.interval/10 {
			b.applying.Store(true)
			b.local.OpenFor(left)
			b.applying.Store(false)
		}
	}
	for c := range sent {
		cur := vals[1+c]
		others := cur - b.seen[c] - sent[c]
		if !b.started || cur < b.seen[c] {
			// The first sync, or the key was lost: count from now on.
			others = 0
		}
		b.seen[c] = cur
		if others > 0 {
			b.local.AddFailures(int(others), classifier.Class(c))
		}
	}
	b.started = true
}

// failureFields are the fields of the failure counters in the breaker's
// hash, one per class: "failures:TRANSIENT", …
var failureFields = func() (f [classifier.NumClasses]string) {
	for c := range f {
		f[c] = "failures:" + classifier.Class(c).String()
	}
	return f
}()

// syncKeyTTL is how long the breaker's key lives in Redis after the last
// sync of any process.
const syncKeyTTL = 24 * time.Hour

// syncScript shares one process's news with the fleet and returns the
// fleet's state. KEYS[1] is a hash: "open_until", the server time (µs)
// until which the circuit is open, and "failures:<class>", a counter of
// the failures of each class the fleet recorded, which only grows.
// ARGV[1] is how long this process opened the circuit for, in µs (0: it did
// not), ARGV[2] the key's time to live in ms, then come pairs of a counter's
// field and the failures to add to it. It returns {open time left in µs,
// the value of each counter, in the order given}.
var syncScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local openFor = tonumber(ARGV[1])
local untilT = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
if openFor > 0 and now + openFor > untilT then
  untilT = now + openFor
  redis.call('HSET', KEYS[1], 'open_until', string.format('%d', untilT))
end
local out = {math.max(untilT - now, 0)}
for i = 3, #ARGV, 2 do
  local f, n = ARGV[i], tonumber(ARGV[i + 1])
  if n > 0 then
    out[#out + 1] = redis.call('HINCRBY', KEYS[1], f, n)
  else
    out[#out + 1] = tonumber(redis.call('HGET', KEYS[1], f) or '0')
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return out
`)
