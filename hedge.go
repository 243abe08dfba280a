package redress

import (
	"context"
	"time"
)

// maxHedges bounds WithHedging's max: each hedge is a request more, all
// sent while the dependency is slow, and more than a few is a storm.
const maxHedges = 100

// hedgeConfig is WithHedging's.
type hedgeConfig struct {
	delay time.Duration
	max   int // hedges per attempt; 0: no hedging
}

// WithHedging hedges slow attempts: when an attempt has not answered
// after delay, another invocation of the operation starts alongside it,
// and so on every delay up to max hedges. The first invocation to succeed
// wins: its result is the attempt's, and the others are cancelled through
// their contexts. Execute waits for every invocation to return, so no
// goroutine outlives the call, which is why operations must honour their
// context. An attempt whose invocations all fail (before the next hedge
// is due) fails with the first failure, and the retry loop decides what
// follows; hedging is for slowness, retrying for failures.
//
// Every hedge is extra load: with max hedges an attempt can cost up to
// max+1 requests, all at the moment the dependency is slow. So each hedge
// must be granted by the budget (WithBudget) like a retry, and none is
// started while the breaker lets the call through as a half-open probe.
// Choose delay near a high percentile of the dependency's latency (the
// 95th, say), so that few attempts hedge. Never hedge an operation that
// is not idempotent: two invocations may both take effect.
//
// Each hedge emits EventHedge. Each invocation runs under its own attempt
// timeout and writes its own result; only the winner's is kept. The
// stages around the attempt see it once, however many invocations it
// ran: the attempt's bulkhead slot covers its hedges. delay
// must not be negative and max must be between 1 and 100. Default no
// hedging; repeating replaces.
func WithHedging(delay time.Duration, max int) Option {
	return optionFunc(func(c *config) {
		switch {
		case delay < 0:
			c.invalid(invalidf("WithHedging", "delay must not be negative, got %v", delay))
		case max < 1 || max > maxHedges:
			c.invalid(invalidf("WithHedging", "max must be between 1 and %d, got %d", maxHedges, max))
		default:
			c.hedge = hedgeConfig{delay: delay, max: max}
		}
	})
}

// hedgeResult is what one invocation of a hedged attempt left behind.
type hedgeResult[T any] struct {
	a        *attempt[T]
	err      error
	panicked bool
	panicVal any
}

// invoke runs one invocation of a hedged attempt in its own goroutine and
// always sends its result, even when the operation panics.
func invoke[T any](ctx context.Context, a *attempt[T], out chan<- hedgeResult[T]) {
	res := hedgeResult[T]{a: a, panicked: true}
	defer func() {
		if res.panicked {
			res.panicVal = recover()
		}
		out <- res
	}()
	res.err = a.once(ctx)
	res.panicked = false
}

// hedged runs the attempt with hedges. Every invocation gets its own copy
// of the attempt, so that they never share a result.
func (r *runner[T]) hedged(ctx context.Context) error {
	c := r.cfg
	hctx, cancel := context.WithCancel(ctx)
	// Every invocation's result is received, by the loop below or the
	// deferred drain, so the channel needs no room for all of them: what
	// a call allocates grows with the hedges it starts, not with max.
	results := make(chan hedgeResult[T], 1)
	pending, hedges := 0, 0
	defer func() {
		// Normally every invocation has answered by now. If user code
		// panicked on this goroutine (a budget asked for a hedge), stop
		// the others and wait for them: none outlives Execute.
		cancel()
		for ; pending > 0; pending-- {
			<-results
		}
	}()
	first := new(attempt[T])
	*first = r.att
	r.att.started = time.Time{} // later attempts read the clock
	r.attempts++
	go invoke(hctx, first, results)
	pending = 1

	timer := c.clock.NewTimer(c.hedge.delay)
	var (
		winner, failed *hedgeResult[T]
		panicked       *hedgeResult[T]
	)
	for pending > 0 {
		var due <-chan time.Time
		if timer != nil {
			due = timer.C()
		}
		select {
		case res := <-results:
			pending--
			switch {
			case res.panicked:
				if panicked == nil {
					panicked = &res
				}
				cancel()
			case res.err == nil:
				if winner == nil && panicked == nil {
					winner = &res
					cancel()
				}
			case failed == nil:
				failed = &res
			}
			if winner != nil || panicked != nil {
				timer = stopTimer(timer)
			}
		case <-due:
			timer = nil
			if !r.grantHedge(ctx) {
				break
			}
			hedges++
			r.hedges++
			h := new(attempt[T])
			*h = r.att
			go invoke(hctx, h, results)
			pending++
			if c.observer != nil {
				r.emit(ctx, Event{Name: EventHedge, Attempt: r.n, Hedge: hedges})
			}
			if hedges < c.hedge.max {
				timer = c.clock.NewTimer(c.hedge.delay)
			}
		}
	}
	stopTimer(timer)
	if panicked != nil {
		panic(panicked.panicVal)
	}
	if winner != nil {
		r.att.result, r.att.rejected = winner.a.result, false
		return nil
	}
	r.att.result, r.att.rejected, r.att.verdict = failed.a.result, failed.a.rejected, failed.a.verdict
	return failed.err
}

// grantHedge asks the budget, if any, for a hedge.
func (r *runner[T]) grantHedge(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if g := r.cfg.budgetGuard; g != nil {
		_, ref := g.admit(ctx)
		return ref == nil
	}
	return true
}

func stopTimer(t Timer) Timer {
	if t != nil {
		t.Stop()
	}
	return nil
}
