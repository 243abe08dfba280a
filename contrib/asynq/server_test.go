package redressasynq_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	redressasynq "github.com/redress-go/redress/contrib/asynq"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// script is a handler whose n-th run ends as outcomes[n-1] (the last one
// repeats): "ok", "transient", "permanent", "panic" or "ratelimit:<duration>". It
// records when each run started and the retry count asynq gave it.
type script struct {
	outcomes []string

	mu      sync.Mutex
	starts  []time.Time
	retried []int
	ran     chan struct{}
}

func (s *script) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	n, _ := asynq.GetRetryCount(ctx)
	s.mu.Lock()
	s.starts = append(s.starts, time.Now())
	s.retried = append(s.retried, n)
	o := s.outcomes[min(len(s.starts), len(s.outcomes))-1]
	s.mu.Unlock()
	defer func() { s.ran <- struct{}{} }()
	switch o {
	case "ok":
		return nil
	case "transient":
		return classifier.MarkTransient(errUpstream)
	case "permanent":
		return classifier.MarkPermanent(errUpstream)
	case "panic":
		panic("handler panicked")
	}
	d, err := time.ParseDuration(strings.TrimPrefix(o, "ratelimit:"))
	if err != nil {
		return err
	}
	return classifier.MarkRateLimited(errUpstream, d)
}

func (s *script) runs() ([]time.Time, []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.starts...), append([]int(nil), s.retried...)
}

// delayRecorder records the delays RetryDelay gave asynq.
type delayRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (d *delayRecorder) wrap(f asynq.RetryDelayFunc) asynq.RetryDelayFunc {
	return func(n int, err error, t *asynq.Task) time.Duration {
		delay := f(n, err, t)
		d.mu.Lock()
		d.delays = append(d.delays, delay)
		d.mu.Unlock()
		return delay
	}
}

func (d *delayRecorder) all() []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Duration(nil), d.delays...)
}

// runTask runs one task on an asynq server wired to jobs, in a queue of
// its own, until the handler has run `runs` times and the server has shut
// down, and returns the task's final state and the delays asynq was given.
func runTask(t *testing.T, jobs *redressasynq.Retrier, h *script, runs, maxRetry int) (*asynq.TaskInfo, []time.Duration) {
	t.Helper()
	addr := os.Getenv("REDRESS_TEST_REDIS_ADDR")
	if addr == "" {
		msg := "REDRESS_TEST_REDIS_ADDR is not set: no Redis to run asynq tasks on (start one with scripts/redis.sh)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	queue := fmt.Sprintf("redress-asynq-%d", time.Now().UnixNano())
	insp := asynq.NewInspectorFromRedisClient(rdb)
	defer func() { _ = insp.DeleteQueue(queue, true) }()

	rec := &delayRecorder{}
	h.ran = make(chan struct{}, runs+4)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              1,
		Queues:                   map[string]int{queue: 1},
		RetryDelayFunc:           rec.wrap(jobs.RetryDelay),
		IsFailure:                jobs.IsFailure,
		TaskCheckInterval:        5 * time.Millisecond,
		DelayedTaskCheckInterval: 5 * time.Millisecond,
		LogLevel:                 asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.Use(jobs.Middleware)
	mux.Handle("redress:script", h)
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(rdb)
	info, err := client.Enqueue(asynq.NewTask("redress:script", nil),
		asynq.Queue(queue), asynq.MaxRetry(maxRetry), asynq.Retention(time.Hour))
	if err != nil {
		srv.Shutdown()
		t.Fatal(err)
	}
	for i := range runs {
		select {
		case <-h.ran:
		case <-time.After(20 * time.Second):
			srv.Shutdown()
			t.Fatalf("run %d of %d did not happen within 20 s", i+1, runs)
		}
	}
	// Wait until the task has ended: completed, or archived (which may
	// take one more delivery that does not run the handler).
	final := waitDone(t, insp, queue, info.ID)
	srv.Shutdown()
	return final, rec.all()
}

// retryAt is the earliest a task that failed after start is run again
// when asynq was given delay d: asynq stores the retry time in whole Unix
// seconds, truncated, so a delay under a second can end early.
func retryAt(start time.Time, d time.Duration) time.Time {
	return start.Add(d).Truncate(time.Second)
}

// waitDone polls the task's state until it is completed or archived.
func waitDone(t *testing.T, insp *asynq.Inspector, queue, id string) *asynq.TaskInfo {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(20 * time.Second)
	for {
		info, err := insp.GetTaskInfo(queue, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.State == asynq.TaskStateCompleted || info.State == asynq.TaskStateArchived {
			return info
		}
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("task still %v after 20 s", info.State)
		}
	}
}

type summary struct {
	State   asynq.TaskState
	Retried int
	Retries []int // the retry count each run saw
}

// TestTransientTwiceThenSuccess: the task is retried after exactly the
// policy's delays, which continue the sequence across deliveries (the
// second delay is the sequence's second).
func TestTransientTwiceThenSuccess(t *testing.T) {
	jobs := redressasynq.New(redress.WithRetry(retry.WithMaxAttempts(6),
		retry.WithBackoff(redresstest.Sequence(20*time.Millisecond, 50*time.Millisecond))))
	h := &script{outcomes: []string{"transient", "transient", "ok"}}
	info, delays := runTask(t, jobs, h, 3, 5)
	starts, retried := h.runs()
	if diff := cmp.Diff(summary{asynq.TaskStateCompleted, 2, []int{0, 1, 2}}, summary{info.State, info.Retried, retried}); diff != "" {
		t.Errorf("task (-want +got)\n%s", diff)
	}
	want := []time.Duration{20 * time.Millisecond, 50 * time.Millisecond}
	if diff := cmp.Diff(want, delays); diff != "" {
		t.Errorf("delays given to asynq (-want +got)\n%s", diff)
	}
	for i, d := range want {
		if earliest := retryAt(starts[i], d); starts[i+1].Before(earliest) {
			t.Errorf("run %d started %v after run %d, before %v", i+2, starts[i+1].Sub(starts[i]), i+1, earliest)
		}
	}
}

func TestPermanentIsArchived(t *testing.T) {
	jobs := redressasynq.New(redress.WithRetry(retry.WithBackoff(redresstest.Sequence(10 * time.Millisecond))))
	h := &script{outcomes: []string{"permanent", "ok"}}
	info, delays := runTask(t, jobs, h, 1, 5)
	_, retried := h.runs()
	if diff := cmp.Diff(summary{asynq.TaskStateArchived, 0, []int{0}}, summary{info.State, info.Retried, retried}); diff != "" {
		t.Errorf("task (-want +got)\n%s", diff)
	}
	if len(delays) != 0 || !strings.Contains(info.LastErr, "NON_RETRYABLE_CLASS") {
		t.Errorf("delays %v, last error %q; want none, NON_RETRYABLE_CLASS", delays, info.LastErr)
	}
}

// TestPolicyCapArchives: the policy's MaxAttempts ends the task even when
// asynq's MaxRetry would allow more.
func TestPolicyCapArchives(t *testing.T) {
	jobs := redressasynq.New(redress.WithRetry(retry.WithMaxAttempts(3),
		retry.WithBackoff(redresstest.Sequence(10*time.Millisecond))))
	h := &script{outcomes: []string{"transient"}}
	info, delays := runTask(t, jobs, h, 3, 10)
	_, retried := h.runs()
	if diff := cmp.Diff(summary{asynq.TaskStateArchived, 2, []int{0, 1, 2}}, summary{info.State, info.Retried, retried}); diff != "" {
		t.Errorf("task (-want +got)\n%s", diff)
	}
	if len(delays) != 2 || !strings.Contains(info.LastErr, "MAX_ATTEMPTS_GLOBAL after 3 attempts") {
		t.Errorf("delays %v, last error %q; want 2, MAX_ATTEMPTS_GLOBAL after 3 attempts", delays, info.LastErr)
	}
}

// TestRateLimitSnoozes: a RATE_LIMIT failure with a Retry-After is retried
// that long later, and the run is not counted against MaxRetry.
func TestRateLimitSnoozes(t *testing.T) {
	jobs := redressasynq.New(redress.WithRetry(retry.WithBackoffFor(classifier.RateLimit, retryAfterOrExponential)))
	h := &script{outcomes: []string{"ratelimit:40ms", "ok"}}
	info, delays := runTask(t, jobs, h, 2, 5)
	starts, retried := h.runs()
	if diff := cmp.Diff(summary{asynq.TaskStateCompleted, 0, []int{0, 0}}, summary{info.State, info.Retried, retried}); diff != "" {
		t.Errorf("task (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{40 * time.Millisecond}, delays); diff != "" {
		t.Errorf("delays given to asynq (-want +got)\n%s", diff)
	}
	if earliest := retryAt(starts[0], 40*time.Millisecond); starts[1].Before(earliest) {
		t.Errorf("second run %v after the first, before %v", starts[1].Sub(starts[0]), earliest)
	}
}

// TestPanicOnTheLastAttempt: a run that panics decided no delay; asynq
// retries it after the policy's TRANSIENT delay, and a delivery after the
// policy's last attempt is archived without running the handler.
func TestPanicOnTheLastAttempt(t *testing.T) {
	jobs := redressasynq.New(redress.WithRetry(retry.WithMaxAttempts(2),
		retry.WithBackoff(redresstest.Sequence(10*time.Millisecond, 30*time.Millisecond))))
	h := &script{outcomes: []string{"transient", "panic"}}
	info, delays := runTask(t, jobs, h, 2, 5)
	_, retried := h.runs()
	if diff := cmp.Diff(summary{asynq.TaskStateArchived, 2, []int{0, 1}}, summary{info.State, info.Retried, retried}); diff != "" {
		t.Errorf("task (-want +got)\n%s", diff)
	}
	// The panic's delay is the strategy's for attempt 2, computed as if a
	// third attempt were allowed: the sequence's first (attempt 1 is the
	// last the policy could retry after).
	if diff := cmp.Diff([]time.Duration{10 * time.Millisecond, 10 * time.Millisecond}, delays); diff != "" {
		t.Errorf("delays given to asynq (-want +got)\n%s", diff)
	}
	if !strings.Contains(info.LastErr, "MAX_ATTEMPTS_GLOBAL after 2 attempts") {
		t.Errorf("last error %q, want MAX_ATTEMPTS_GLOBAL after 2 attempts", info.LastErr)
	}
}
