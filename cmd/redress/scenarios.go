package main

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// Brooker's jitter comparison, from Marc Brooker, "Exponential Backoff And
// Jitter", AWS Architecture Blog (2015), and the simulator published with
// it (aws-samples/aws-arch-backoff-simulator): clients each update one row
// of a store with optimistic concurrency control (read the version, write
// it back; a write with a stale version fails and is retried after a
// backoff), network delays normal with mean 10 ms and standard deviation
// 2 ms, base 5 ms and cap 2 s. His backoffs grow as base·2^n from the
// first retry's n = 1, so the doubling strategies here start at 10 ms;
// decorrelated jitter starts from base itself, as his does.
const brookerJSON = `{
  "policies": {
    "exponential":         {"max_attempts": 100000, "deadline": "none", "backoff": {"exponential": {"base": "10ms", "max": "2s"}}},
    "decorrelated_jitter": {"max_attempts": 100000, "deadline": "none", "backoff": {"decorrelated_jitter": {"base": "5ms", "max": "2s", "seed": 1}}},
    "equal_jitter":        {"max_attempts": 100000, "deadline": "none", "backoff": {"equal_jitter": {"base": "10ms", "max": "2s", "seed": 1}}},
    "full_jitter":         {"max_attempts": 100000, "deadline": "none", "backoff": {"full_jitter": {"base": "10ms", "max": "2s", "seed": 1}}}
  }
}`

// brookerStrategies are the policies of brookerJSON, in his table's order.
var brookerStrategies = []string{"exponential", "decorrelated_jitter", "equal_jitter", "full_jitter"}

// BrookerRow is one strategy's mean over the runs.
type BrookerRow struct {
	Strategy string
	Calls    float64       // writes sent, per run
	Time     time.Duration // until the last client succeeded, per run
}

// brooker runs his contention scenario for each strategy: clients
// clients, runs runs each, and returns the means.
func brooker(clients, runs int, seed uint64) ([]BrookerRow, error) {
	f, err := config.Parse("brooker.json", []byte(brookerJSON))
	if err != nil {
		return nil, err
	}
	var rows []BrookerRow
	for _, name := range brookerStrategies {
		opts, err := f.PolicyOptions(name)
		if err != nil {
			return nil, err
		}
		p, err := redress.New(opts...)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		var calls, total float64
		for range runs {
			c, t := occRun(p.Retry(), clients, rng)
			calls += float64(c)
			total += float64(t)
		}
		rows = append(rows, BrookerRow{name, calls / float64(runs), time.Duration(total / float64(runs))})
	}
	return rows, nil
}

// occRun is one run of the contention scenario: every client reads the
// row's version, writes it back, and on a conflict asks the policy's retry
// engine for the delay before it reads again. It returns the writes the
// store saw and the time the last client finished.
func occRun(rp *retry.Policy, clients int, rng *rand.Rand) (writes int, done time.Duration) {
	net := func() time.Duration { // |N(10ms, 2ms)|, as in his simulator
		return time.Duration(math.Abs(rng.NormFloat64()*2+10) * float64(time.Millisecond))
	}
	type client struct {
		tracker retry.Tracker
		attempt int
		version int
	}
	cs := make([]client, clients)
	var q queue
	seq := 0
	push := func(at time.Duration, c int, k eventKind) {
		seq++
		heap.Push(&q, event{at: at, seq: seq, client: c, kind: k})
	}
	const (
		read  = startCall
		write = sendAttempt
	)
	for c := range clients {
		push(net(), c, read)
	}
	version := 0
	for q.Len() > 0 {
		e := heap.Pop(&q).(event)
		done = e.at
		c := &cs[e.client]
		switch e.kind {
		case read: // the read reaches the store; the reply and the write travel back
			c.version = version
			push(e.at+net()+net(), e.client, write)
		case write:
			writes++
			if c.version == version {
				version++
				continue // the reply's trip is not counted, as in his simulator
			}
			c.attempt++
			d := rp.Decide(&c.tracker, c.attempt, classifier.Classification{Class: classifier.Concurrency}, retry.NoDeadline)
			if !d.Retry {
				continue
			}
			push(e.at+net()+d.Delay+net(), e.client, read)
		}
	}
	return writes, done
}

// amplification counts the attempts that reach a failing backend through
// layers nested calls, each under a policy of attempts attempts and, when
// ratio > 0, a retry budget of that ratio (budget.NewRatio, with no
// minimum per second), for calls calls made at the top. The calls run
// through redress.Execute itself, on a fake clock.
//
// The Google SRE book ("Site Reliability Engineering", O'Reilly 2016,
// chapter 22, "Addressing Cascading Failures", on retries) gives the
// figure this reproduces: with 3 layers each making up to 4 attempts,
// one failing request at the top becomes 4³ = 64 attempts on the
// database. A budget of ratio r per layer bounds each layer's attempts to
// (1+r) times its requests, so the whole stack to (1+r)^L.
func amplification(layers, attempts int, ratio float64, calls int) (float64, error) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	policies := make([]*redress.Policy, layers)
	for i := range policies {
		opts := []redress.Option{
			redress.WithClock(clk),
			redress.WithoutDeadline(),
			redress.WithRetry(retry.WithMaxAttempts(attempts), retry.WithBackoff(redresstest.Sequence(0))),
		}
		if ratio > 0 {
			opts = append(opts, redress.WithBudget(budget.NewRatio(ratio, budget.WithClock(clk), budget.WithMinPerSecond(0))))
		}
		p, err := redress.New(opts...)
		if err != nil {
			return 0, err
		}
		policies[i] = p
	}
	bottom := 0
	errDown := classifier.Mark(errors.New("database down"), classifier.ServerError)
	var layer func(ctx context.Context, i int) error
	layer = func(ctx context.Context, i int) error {
		return redress.Do(ctx, func(ctx context.Context) error {
			if i == layers-1 {
				bottom++
				return errDown
			}
			return layer(ctx, i+1)
		}, policies[i])
	}
	for range calls {
		if err := layer(context.Background(), 0); err == nil {
			return 0, fmt.Errorf("a call through a failing backend succeeded")
		}
	}
	return float64(bottom) / float64(calls), nil
}

// outageJSON is the default scenario's policies: the same retries as
// configured, without a budget, without a breaker, and with neither.
const outageJSON = `{
  "breakers": {"backend": {"failure_threshold": 20, "window": "10s", "recovery_timeout": "5s"}},
  "budgets":  {"backend": {"ratio": {"ratio": 0.1}}},
  "policies": {
    "api.call": {
      "max_attempts": 6,
      "backoff": {"decorrelated_jitter": {"base": "250ms", "max": "5s", "seed": 1}},
      "deadline": "30s",
      "attempt_timeout": "2s",
      "breaker": "backend",
      "budget": "backend"
    }
  }
}`
