package redresstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var errUnavailable = classifier.MarkTransient(errors.New("service unavailable"))

func ExampleNewAutoClock() {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	op := redresstest.FailTimes(2, errUnavailable, "ok")
	v, err := redress.Execute(context.Background(), op.Call,
		redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second))))
	fmt.Println(v, err)
	fmt.Println(clk.Sleeps(), clk.Now().Sub(time.Unix(0, 0)))
	// Output:
	// ok <nil>
	// [1s 2s] 3s
}

func ExampleNewClock() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	done := make(chan error)
	go func() {
		done <- redress.Do(context.Background(), redresstest.FailTimes(1, errUnavailable, 0).Do,
			redress.WithClock(clk),
			redress.WithRetry(retry.WithBackoff(redresstest.Sequence(5*time.Second))))
	}()
	clk.WaitForSleepers(1) // the retry is asleep
	clk.Advance(5 * time.Second)
	fmt.Println(<-done)
	// Output:
	// <nil>
}

func ExampleClock_WaitForSleepersContext() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	// Nothing ever sleeps: give up when the context ends instead of
	// hanging. A test would pass t.Context() or a real-time timeout.
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("no sleeper came"))
	fmt.Println(clk.WaitForSleepersContext(ctx, 1))
	// Output:
	// no sleeper came
}

func ExampleClock_UntilNext() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	done := make(chan error)
	go func() {
		done <- redress.Do(context.Background(), redresstest.FailTimes(1, errUnavailable, 0).Do,
			redress.WithClock(clk),
			redress.WithRetry(retry.WithBackoff(redresstest.Sequence(1500*time.Millisecond))))
	}()
	clk.WaitForSleepers(1)
	d, ok := clk.UntilNext() // what the code under test waits for
	fmt.Println(d, ok)
	fmt.Println(clk.AdvanceToNext())
	fmt.Println(<-done)
	// Output:
	// 1.5s true
	// 1.5s
	// <nil>
}

func ExampleClock_AdvanceToNext() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	clk.AfterFunc(3*time.Second, func() { fmt.Println("fired at", clk.Now().Unix()) })
	fmt.Println(clk.AdvanceToNext())
	fmt.Println(clk.AdvanceToNext()) // nothing left
	// Output:
	// fired at 3
	// 3s
	// 0s
}

func ExampleClock_WakeSleepers() {
	clk := redresstest.NewClock(time.Unix(0, 0))
	woke := make(chan time.Duration, 2)
	for _, d := range []time.Duration{time.Second, 4 * time.Second} {
		go func() {
			<-clk.NewTimer(d).C()
			woke <- d
		}()
	}
	clk.WaitForSleepers(2)
	fmt.Println(clk.WakeSleepers())
	fmt.Println(<-woke + <-woke) // both woke
	// Output:
	// 4s
	// 5s
}

func ExampleSequence() {
	s := redresstest.Sequence(100*time.Millisecond, 300*time.Millisecond)
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	_ = redress.Do(context.Background(), redresstest.AlwaysFail[int](errUnavailable).Do,
		redress.WithClock(clk),
		redress.WithRetry(retry.WithMaxAttempts(4), retry.WithBackoff(s)))
	fmt.Println(clk.Sleeps()) // the last delay repeats
	// Output:
	// [100ms 300ms 300ms]
}

func ExampleInstantRetries() {
	// The policy the code under test uses, with its real backoff.
	policy := redress.MustNew(redress.WithRetry(retry.WithMaxAttempts(5)))
	var rec redresstest.Recorder
	op := redresstest.AlwaysFail[int](errUnavailable)
	_, err := redress.Execute(context.Background(), op.Call, policy,
		redresstest.InstantRetries(), rec.Option())
	fmt.Println(err != nil, op.Calls(), rec.Count(redress.EventRetry))
	fmt.Println(rec.TotalSleep() > 0) // decided, not waited
	// Output:
	// true 5 4
	// true
}

func ExampleNoRetries() {
	ctx := redresstest.NoRetries(context.Background())
	op := redresstest.FailTimes(3, errUnavailable, "ok")
	_, err := redress.Execute(ctx, op.Call, redresstest.InstantRetries())
	fmt.Println(op.Calls())
	fmt.Println(err)
	// Output:
	// 1
	// redress: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): service unavailable
}

func ExampleRecorder() {
	var rec redresstest.Recorder
	op := redresstest.FailThen("ok", errUnavailable, classifier.Mark(errors.New("502 bad gateway"), classifier.ServerError))
	_, _ = redress.Execute(context.Background(), op.Call,
		redresstest.InstantRetries(),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond))),
		rec.Option())
	fmt.Println(rec.Names())
	fmt.Println(rec.Classes())
	fmt.Println(rec.Sleeps(), rec.TotalSleep())
	// Output:
	// [retry retry success]
	// [TRANSIENT SERVER_ERROR]
	// [100ms 100ms] 200ms
}

func ExampleRecorder_Middleware() {
	var rec redresstest.Recorder
	op := redresstest.FailTimes(1, errUnavailable, "ok")
	_, _ = redress.Execute(context.Background(), op.Call,
		redresstest.InstantRetries(),
		redress.WithOperation("users.get"),
		redress.WithMiddleware(rec.Middleware()))
	for _, a := range rec.Attempts() {
		fmt.Println(a.Operation, a.Number, a.Err)
	}
	fmt.Println(len(rec.Events())) // not an observer here
	// Output:
	// users.get 1 service unavailable
	// users.get 2 <nil>
	// 0
}

func ExampleNewBreaker() {
	br := redresstest.NewBreaker(breaker.Open)
	op := redresstest.FailThen("ok")
	_, err := redress.Execute(context.Background(), op.Call, redress.WithBreaker(br))
	fmt.Println(errors.Is(err, breaker.ErrOpen), op.Calls(), br.Rejected())

	br.SetState(breaker.Closed)
	_, err = redress.Execute(context.Background(), op.Call, redress.WithBreaker(br))
	fmt.Println(err, br.Outcomes())
	// Output:
	// true 0 1
	// <nil> [success]
}

func ExampleBreaker_ScriptAllow() {
	br := redresstest.NewBreaker(breaker.Closed)
	br.ScriptAllow(false) // reject the next call only
	for range 2 {
		_, err := br.Allow()
		fmt.Println(err)
	}
	// Output:
	// breaker: circuit open, retry in 0s
	// <nil>
}

func ExampleBreaker_ScriptStates() {
	br := redresstest.NewBreaker(breaker.Closed)
	br.ScriptStates(breaker.Open) // the next outcome trips it
	var rec redresstest.Recorder
	_ = redress.Do(context.Background(), redresstest.AlwaysFail[int](errUnavailable).Do,
		redresstest.InstantRetries(), redress.WithRetry(retry.WithMaxAttempts(2)),
		redress.WithBreaker(br), rec.Option())
	fmt.Println(rec.Names(), br.State())
	// Output:
	// [retry max_attempts_exceeded circuit_opened] open
}

func ExampleNewBudget() {
	bud := redresstest.NewBudget(1)
	op := redresstest.AlwaysFail[int](errUnavailable)
	_, err := redress.Execute(context.Background(), op.Call,
		redresstest.InstantRetries(), redress.WithBudget(bud))
	fmt.Println(op.Calls(), bud.Granted(), bud.Denied())
	fmt.Println(bud.Requests(), bud.Outcomes())
	fmt.Println(err)
	// Output:
	// 2 1 1
	// 1 [false false]
	// redress: BUDGET_EXHAUSTED after 2 attempts: budget: retry budget exhausted: last error (TRANSIENT): service unavailable
}

func ExampleBudget_SetErr() {
	bud := redresstest.NewBudget(10)
	bud.SetErr(errors.New("redis: connection refused"))
	err := redress.Do(context.Background(), redresstest.AlwaysFail[int](errUnavailable).Do,
		redresstest.InstantRetries(), redress.WithBudget(bud))
	var se *redress.StopError
	errors.As(err, &se)
	fmt.Println(se.Reason, se.Attempts) // fails closed
	// Output:
	// BUDGET_EXHAUSTED 1
}

func ExampleFailThen() {
	op := redresstest.FailThen(42, errUnavailable, errors.New("odd"))
	for range 3 {
		fmt.Println(op.Call(context.Background()))
	}
	// Output:
	// 0 service unavailable
	// 0 odd
	// 42 <nil>
}

func ExampleFailTimes() {
	op := redresstest.FailTimes(2, errUnavailable, "ok")
	v, err := redress.Execute(context.Background(), op.Call, redresstest.InstantRetries())
	fmt.Println(v, err, op.Calls())
	// Output:
	// ok <nil> 3
}

func ExampleAlwaysFail() {
	op := redresstest.AlwaysFail[string](errUnavailable)
	err := redress.Do(context.Background(), op.Do, redresstest.InstantRetries(),
		redress.WithRetry(retry.WithMaxAttempts(3)))
	fmt.Println(errors.Is(err, errUnavailable), op.Calls())
	// Output:
	// true 3
}

func ExampleRecorder_Calls() {
	var rec redresstest.Recorder
	policy := redress.MustNew(redresstest.InstantRetries(), rec.Option(),
		redress.WithRetry(retry.WithMaxAttempts(3)))
	_, _ = redress.Execute(context.Background(), redresstest.FailTimes(1, errUnavailable, 1).Call, policy)
	_, _ = redress.Execute(context.Background(), redresstest.AlwaysFail[int](errUnavailable).Call, policy)
	for _, c := range rec.Calls() {
		fmt.Printf("%d attempts, stop reason %q\n", c.Attempts, c.StopReason)
	}
	fmt.Println(rec.Reasons())
	// Output:
	// 2 attempts, stop reason ""
	// 3 attempts, stop reason "MAX_ATTEMPTS_GLOBAL"
	// [MAX_ATTEMPTS_GLOBAL]
}

func ExampleRecorder_CallMiddleware() {
	var rec redresstest.Recorder
	_, _ = redress.Execute(context.Background(), redresstest.AlwaysFail[string](errUnavailable).Call,
		redresstest.InstantRetries(),
		redress.WithFallback(func(context.Context, error) (string, error) { return "cached", nil }),
		redress.WithCallMiddleware(rec.CallMiddleware()))
	c := rec.Calls()[0]
	fmt.Println(c.Attempts, c.StopReason, c.FellBack, c.Err)
	// Output:
	// 6 MAX_ATTEMPTS_GLOBAL true <nil>
}

func ExampleBreaker_Records() {
	br := redresstest.NewBreaker(breaker.Closed)
	_ = redress.Do(context.Background(), redresstest.AlwaysFail[int](errUnavailable).Do,
		redresstest.InstantRetries(), redress.WithBreaker(br))
	for _, r := range br.Records() {
		fmt.Println(r.Outcome, r.Class)
	}
	// Output:
	// failure TRANSIENT
}

func ExampleScript_Do() {
	op := redresstest.FailTimes(1, errUnavailable, struct{}{})
	err := redress.Do(context.Background(), op.Do, redresstest.InstantRetries())
	fmt.Println(err, op.Calls())
	// Output:
	// <nil> 2
}
