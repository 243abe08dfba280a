package redress_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// TestDoneContextRunsNothing: a call whose context is already done does
// not call the operation, takes no breaker ticket and no budget, and
// stops with 0 attempts and its event at attempt 0.
func TestDoneContextRunsNothing(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	tests := []struct {
		name       string
		ctx        context.Context
		wantReason redress.StopReason
		wantErr    error
	}{
		{"cancelled", cancelled, redress.StopAborted, context.Canceled},
		{"deadline passed", expired, redress.StopDeadline, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := redresstest.NewBreaker(breaker.Closed)
			bud := budget.New(10, time.Minute)
			rec := &events{}
			calls := 0
			_, err := redress.Execute(tt.ctx, func(context.Context) (int, error) { calls++; return 1, nil },
				redress.WithBreaker(br), redress.WithBudget(bud), redress.WithObserver(rec))
			var se *redress.StopError
			if !errors.As(err, &se) || se.Reason != tt.wantReason || se.Attempts != 0 || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Execute = %v, want %s after 0 attempts matching %v", err, tt.wantReason, tt.wantErr)
			}
			if calls != 0 || br.Allowed()+br.Rejected() != 0 || bud.Remaining() != 10 {
				t.Errorf("op calls %d, breaker tickets %d, budget left %d; want 0, 0, 10", calls, br.Allowed()+br.Rejected(), bud.Remaining())
			}
			ev := rec.all()
			if len(ev) != 1 || ev[0].Attempt != 0 || ev[0].Reason != tt.wantReason {
				t.Errorf("events = %+v, want one terminal event at attempt 0", ev)
			}
		})
	}
}

// TestDeadlineStopMatchesContextDeadlineExceeded: Go code checks
// errors.Is(err, context.DeadlineExceeded); a DEADLINE_EXCEEDED stop
// matches it, and still the last operation error.
func TestDeadlineStopMatchesContextDeadlineExceeded(t *testing.T) {
	_, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 0, errTransient },
		redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithDeadline(time.Second),
		redress.WithRetry(retry.WithBackoff(backoff.Constant(2*time.Second))))
	var se *redress.StopError
	if !errors.As(err, &se) || se.Reason != redress.StopDeadline {
		t.Fatalf("Execute = %v, want DEADLINE_EXCEEDED", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errTransient) {
		t.Errorf("%v: errors.Is DeadlineExceeded %v, last error %v; want both", err,
			errors.Is(err, context.DeadlineExceeded), errors.Is(err, errTransient))
	}
}

// TestEmptyOrderIsInvalid: WithOrder() places no stage, not even the
// retry loop, so it is an invalid configuration, not the default order.
func TestEmptyOrderIsInvalid(t *testing.T) {
	calls := 0
	err := redress.Do(context.Background(), func(context.Context) error { calls++; return nil }, redress.WithOrder())
	if !errors.Is(err, redress.ErrInvalidConfig) || calls != 0 {
		t.Errorf("Do = %v with %d calls, want ErrInvalidConfig and none", err, calls)
	}
}

// TestHedgingBounds: an absurd number of hedges is an invalid
// configuration (it used to panic or exhaust memory), and what a call
// allocates does not grow with the maximum when nothing is hedged.
func TestHedgingBounds(t *testing.T) {
	for _, give := range []redress.Option{
		redress.WithHedging(0, math.MaxInt), redress.WithHedging(time.Hour, 1<<40), redress.WithHedging(time.Hour, 101),
	} {
		if _, err := redress.New(give); !errors.Is(err, redress.ErrInvalidConfig) {
			t.Errorf("New = %v, want ErrInvalidConfig", err)
		}
	}
	if raceEnabled {
		return // the race detector allocates
	}
	ctx := context.Background()
	perCall := func(max int) float64 {
		p := mustNew(t, redress.WithHedging(time.Hour, max), redress.WithoutDeadline())
		return testing.AllocsPerRun(200, func() { redress.Execute(ctx, succeed, p) })
	}
	if one, hundred := perCall(1), perCall(100); one != hundred {
		t.Errorf("allocations per unhedged call: %v with max 1, %v with max 100; want the same", one, hundred)
	}
}

// TestEventRetryAfterIsTheHonouredValue: a hostile Retry-After reaches
// observers capped, as the policy honours it.
func TestEventRetryAfterIsTheHonouredValue(t *testing.T) {
	rec := &events{}
	hostile := classifier.MarkRateLimited(errors.New("429"), 2562047*time.Hour)
	_, err := redress.Execute(context.Background(), func(context.Context) (int, error) { return 0, hostile },
		redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithoutDeadline(),
		redress.WithRetry(retry.WithMaxAttempts(2), retry.WithMaxRetryAfter(time.Minute)), redress.WithObserver(rec))
	if err == nil {
		t.Fatal("Execute succeeded")
	}
	var got []time.Duration
	for _, e := range rec.all() {
		got = append(got, e.RetryAfter)
	}
	if diff := cmp.Diff([]time.Duration{time.Minute, time.Minute}, got); diff != "" {
		t.Errorf("Event.RetryAfter of retry and stop (-want +got):\n%s", diff)
	}
}

// TestLateSuccessIsKept: an operation that returns a result with a nil
// error after its attempt timeout fired has done its work; the result is
// kept and the call succeeds, without a retry that could repeat it.
func TestLateSuccessIsKept(t *testing.T) {
	clk := redresstest.NewClock(epoch)
	calls := 0
	started, done := make(chan struct{}), make(chan struct{})
	var v string
	var err error
	go func() {
		defer close(done)
		v, err = redress.Execute(context.Background(), func(ctx context.Context) (string, error) {
			calls++
			close(started)
			<-ctx.Done()          // the attempt timeout fires…
			return "written", nil // …but the work was done
		}, redress.WithClock(clk), redress.WithAttemptTimeout(time.Second))
	}()
	<-started
	clk.Advance(time.Second)
	<-done
	if v != "written" || err != nil || calls != 1 {
		t.Errorf("Execute = %q, %v after %d calls; want the late result, nil, 1 call", v, err, calls)
	}
}

// TestQuotaBudgetInThePipeline: a class-aware budget is asked with each
// failure's class and refunded when a retried call succeeds, so the AWS
// SDK's retry quota behaves as in the SDK.
func TestQuotaBudgetInThePipeline(t *testing.T) {
	q := budget.NewQuota()
	p := mustNew(t, redress.WithBudget(q), redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithBackoff(backoff.Constant(0))))
	throttled := classifier.MarkRateLimited(errors.New("slow down"), 0)
	steps := []struct {
		name string
		errs []error
		want int // tokens left after the call
	}{
		{"first-try success adds back the increment (capped)", nil, 500},
		{"a retry after a transient failure costs 14", []error{errTransient, errTransient, errTransient, errTransient, errTransient, errTransient}, 500 - 5*14},
		{"a successful retry refunds its cost", []error{errTransient}, 500 - 5*14},
		{"a throttling retry costs 5, refunded on success", []error{throttled}, 500 - 5*14},
		{"a first-try success adds 1", nil, 500 - 5*14 + 1},
	}
	for _, st := range steps {
		op, _ := script(1, st.errs...)
		redress.Execute(context.Background(), op, p)
		if got := q.Remaining(); got != st.want {
			t.Errorf("%s: tokens left %d, want %d", st.name, got, st.want)
		}
	}
}

// TestWithReport: a call reports its attempts, sleeps and stop reason in
// the Call WithReport gives.
func TestWithReport(t *testing.T) {
	p := mustNew(t, redress.WithClock(redresstest.NewAutoClock(epoch)),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 200*time.Millisecond))))
	var rep redress.Call
	op, _ := script(7, errTransient, errTransient)
	if v, err := redress.Execute(context.Background(), op, p, redress.WithOperation("users.get"), redress.WithReport(&rep)); v != 7 || err != nil {
		t.Fatalf("Execute = %v, %v", v, err)
	}
	want := redress.Call{Operation: "users.get", Attempts: 3, Slept: 300 * time.Millisecond, Elapsed: 300 * time.Millisecond}
	if diff := cmp.Diff(want, rep, cmp.AllowUnexported(redress.Call{})); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	op2, _ := script(0, errPermanent)
	redress.Execute(context.Background(), op2, p, redress.WithReport(&rep))
	if rep.StopReason != redress.StopNonRetryable || rep.Attempts != 1 {
		t.Errorf("report of a failed call = %+v, want NON_RETRYABLE_CLASS after 1 attempt", rep)
	}
	if _, err := redress.New(redress.WithReport(nil)); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("WithReport(nil): %v, want ErrInvalidConfig", err)
	}
}

// TestFirstAttemptContinuesASequence: a job queue's redelivery runs one
// call whose first attempt is the job's attempt number; in defer mode the
// delay handed back grows from there, and the global cap counts it.
func TestFirstAttemptContinuesASequence(t *testing.T) {
	p := mustNew(t, redress.WithClock(redresstest.NewAutoClock(epoch)), redress.WithRetry(
		retry.WithDefer(true), retry.WithMaxAttempts(4), retry.WithBackoff(backoff.Exponential(time.Second, time.Hour))))
	tests := []struct {
		first      int
		wantReason redress.StopReason
		wantNext   time.Duration
		wantAt     int
	}{
		{1, redress.StopScheduled, time.Second, 1},
		{3, redress.StopScheduled, 4 * time.Second, 3},
		{4, redress.StopMaxAttempts, 0, 4},
	}
	for _, tt := range tests {
		rec := &events{}
		err := redress.Do(context.Background(), func(context.Context) error { return errTransient }, p,
			redress.WithFirstAttempt(tt.first), redress.WithObserver(rec))
		var se *redress.StopError
		if !errors.As(err, &se) || se.Reason != tt.wantReason || se.NextDelay != tt.wantNext || se.Attempts != tt.wantAt {
			t.Errorf("first attempt %d: %v (next %v), want %s next %v at attempt %d", tt.first, err, se.NextDelay,
				tt.wantReason, tt.wantNext, tt.wantAt)
		}
		if ev := rec.all(); len(ev) == 0 || ev[0].Attempt != tt.first {
			t.Errorf("first attempt %d: events %+v", tt.first, ev)
		}
	}
	if _, err := redress.New(redress.WithFirstAttempt(0)); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("WithFirstAttempt(0): %v, want ErrInvalidConfig", err)
	}
}

// TestCallOptionsOnAPolicy: options that concern one call only are taken
// by the call without copying the policy, and still validated.
func TestCallOptionsOnAPolicy(t *testing.T) {
	p := mustNew(t, redress.WithOperation("base"), redress.WithoutDeadline())
	rec := &events{}
	withObs := mustNew(t, p, redress.WithObserver(rec))
	var rep redress.Call
	redress.Execute(context.Background(), succeed, withObs, redress.WithOperation("vip"), redress.WithReport(&rep))
	if ev := rec.all(); len(ev) != 1 || ev[0].Operation != "vip" || rep.Operation != "vip" || rep.Attempts != 1 {
		t.Errorf("events %+v, report %+v; want the call's own operation name", ev, rep)
	}
	redress.Execute(context.Background(), succeed, withObs)
	if ev := rec.all(); len(ev) != 2 || ev[1].Operation != "base" {
		t.Errorf("a later call is named %q, want the policy's", ev[len(ev)-1].Operation)
	}
	for _, give := range []redress.Option{redress.WithReport(nil), redress.WithFirstAttempt(0)} {
		if _, err := redress.Execute(context.Background(), succeed, p, give); !errors.Is(err, redress.ErrInvalidConfig) {
			t.Errorf("Execute with an invalid call option = %v, want ErrInvalidConfig", err)
		}
	}
	if raceEnabled {
		return
	}
	ctx := context.Background()
	if n := testing.AllocsPerRun(200, func() {
		redress.Execute(ctx, succeed, p, redress.WithOperation("vip"), redress.WithFirstAttempt(2))
	}); n > 1 {
		t.Errorf("call options on a policy allocate %v times, want at most 1", n)
	}
}
