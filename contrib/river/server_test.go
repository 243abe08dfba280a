package redressriver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"go.uber.org/goleak"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressriver "github.com/redress-go/redress/contrib/river"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// scriptArgs is a job whose n-th run ends as Outcomes[n-1] (the last one
// repeats): "ok", "transient", "permanent" or "ratelimit:<duration>".
type scriptArgs struct {
	Outcomes []string `json:"outcomes"`
}

func (scriptArgs) Kind() string { return "redress_script" }

// scriptWorker runs scriptArgs jobs and records when each run started.
type scriptWorker struct {
	river.WorkerDefaults[scriptArgs]

	mu   sync.Mutex
	runs []time.Time
}

func (w *scriptWorker) Work(ctx context.Context, job *river.Job[scriptArgs]) error {
	w.mu.Lock()
	w.runs = append(w.runs, time.Now())
	n := len(w.runs)
	w.mu.Unlock()
	o := job.Args.Outcomes[min(n, len(job.Args.Outcomes))-1]
	switch {
	case o == "ok":
		return nil
	case o == "transient":
		return classifier.MarkTransient(errUpstream)
	case o == "permanent":
		return classifier.MarkPermanent(errUpstream)
	}
	d, err := time.ParseDuration(strings.TrimPrefix(o, "ratelimit:"))
	if err != nil {
		return err
	}
	return classifier.MarkRateLimited(errUpstream, d)
}

func (w *scriptWorker) starts() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Time(nil), w.runs...)
}

// retryRecorder records the delays of the policy's retry events.
type retryRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (r *retryRecorder) Observe(_ context.Context, e redress.Event) {
	if e.Name == redress.EventRetry {
		r.mu.Lock()
		r.delays = append(r.delays, e.Sleep)
		r.mu.Unlock()
	}
}

func (r *retryRecorder) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.delays...)
}

// postgres connects to the test server in a schema of its own with
// River's tables migrated, and removes the schema afterwards.
func postgres(t *testing.T) (*pgxpool.Pool, string) {
	t.Helper()
	dsn := os.Getenv("REDRESS_TEST_POSTGRES_DSN")
	if dsn == "" {
		msg := "REDRESS_TEST_POSTGRES_DSN is not set: no PostgreSQL to run River jobs on (start one with scripts/postgres.sh)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	schema := fmt.Sprintf("redress_river_%d", time.Now().UnixNano())
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	mig, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: schema, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		t.Fatal(err)
	}
	return pool, schema
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runJob runs one scriptArgs job on a River client wired to jobs, until it
// completes or is cancelled, and returns its final row.
func runJob(t *testing.T, jobs *redressriver.Retrier, w *scriptWorker, args scriptArgs) *rivertype.JobRow {
	t.Helper()
	pool, schema := postgres(t)
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema:            schema,
		Logger:            quiet,
		Middleware:        []rivertype.Middleware{jobs},
		RetryPolicy:       jobs,
		MaxAttempts:       5,
		FetchCooldown:     time.Millisecond,
		FetchPollInterval: 5 * time.Millisecond,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1}},
		Workers:           workers,
		TestOnly:          true,
	})
	if err != nil {
		t.Fatal(err)
	}
	events, stop := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled)
	defer stop()
	ctx := context.Background()
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := client.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	res, err := client.Insert(ctx, args, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-events:
	case <-time.After(20 * time.Second):
		t.Fatal("the job did not complete or get cancelled within 20 s")
	}
	job, err := client.JobGet(ctx, res.Job.ID)
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// TestTransientTwiceThenSuccess: the job is retried after exactly the
// policy's delays, and River's attempts carry the sequence.
func TestTransientTwiceThenSuccess(t *testing.T) {
	rec := &retryRecorder{}
	jobs := redressriver.New(redress.WithObserver(rec), redress.WithRetry(
		retry.WithMaxAttempts(5),
		retry.WithBackoff(redresstest.Sequence(20*time.Millisecond, 50*time.Millisecond))))
	w := &scriptWorker{}
	job := runJob(t, jobs, w, scriptArgs{Outcomes: []string{"transient", "transient", "ok"}})

	type summary struct {
		State   rivertype.JobState
		Attempt int
		Errors  int
	}
	if diff := cmp.Diff(summary{rivertype.JobStateCompleted, 3, 2}, summary{job.State, job.Attempt, len(job.Errors)}); diff != "" {
		t.Errorf("job (-want +got)\n%s", diff)
	}
	want := []time.Duration{20 * time.Millisecond, 50 * time.Millisecond}
	if diff := cmp.Diff(want, rec.all()); diff != "" {
		t.Errorf("policy's delays (-want +got)\n%s", diff)
	}
	// River waited at least that long between runs.
	starts := w.starts()
	if len(starts) != 3 {
		t.Fatalf("%d runs, want 3", len(starts))
	}
	for i, d := range want {
		if gap := starts[i+1].Sub(starts[i]); gap < d {
			t.Errorf("run %d started %v after run %d, want at least %v", i+2, gap, i+1, d)
		}
	}
}

func TestPermanentIsCancelled(t *testing.T) {
	jobs := redressriver.New(redress.WithRetry(retry.WithBackoff(backoff.Constant(10 * time.Millisecond))))
	w := &scriptWorker{}
	job := runJob(t, jobs, w, scriptArgs{Outcomes: []string{"permanent", "ok"}})
	type summary struct {
		State   rivertype.JobState
		Attempt int
		Runs    int
	}
	if diff := cmp.Diff(summary{rivertype.JobStateCancelled, 1, 1}, summary{job.State, job.Attempt, len(w.starts())}); diff != "" {
		t.Errorf("job (-want +got)\n%s", diff)
	}
	if len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, "NON_RETRYABLE_CLASS") {
		t.Errorf("errors %+v, want one NON_RETRYABLE_CLASS", job.Errors)
	}
}

// TestRateLimitSnoozes: a RATE_LIMIT failure with a Retry-After snoozes
// the job that long; the snooze does not use up an attempt.
func TestRateLimitSnoozes(t *testing.T) {
	jobs := redressriver.New(redress.WithRetry(retry.WithBackoffFor(classifier.RateLimit, retryAfterOrExponential)))
	w := &scriptWorker{}
	job := runJob(t, jobs, w, scriptArgs{Outcomes: []string{"ratelimit:40ms", "ok"}})
	var meta struct {
		Snoozes int `json:"snoozes"`
	}
	if err := json.Unmarshal(job.Metadata, &meta); err != nil {
		t.Fatal(err)
	}
	type summary struct {
		State   rivertype.JobState
		Attempt int
		Snoozes int
		Errors  int
	}
	if diff := cmp.Diff(summary{rivertype.JobStateCompleted, 1, 1, 0}, summary{job.State, job.Attempt, meta.Snoozes, len(job.Errors)}); diff != "" {
		t.Errorf("job (-want +got)\n%s", diff)
	}
	starts := w.starts()
	if len(starts) != 2 {
		t.Fatalf("%d runs, want 2", len(starts))
	}
	if gap := starts[1].Sub(starts[0]); gap < 40*time.Millisecond {
		t.Errorf("second run %v after the first, want at least the Retry-After, 40ms", gap)
	}
}

// TestPolicyCapCancels: the policy's MaxAttempts ends the job even when
// River's MaxAttempts (5 here) would allow more.
func TestPolicyCapCancels(t *testing.T) {
	jobs := redressriver.New(redress.WithRetry(retry.WithMaxAttempts(3),
		retry.WithBackoff(redresstest.Sequence(10*time.Millisecond))))
	w := &scriptWorker{}
	job := runJob(t, jobs, w, scriptArgs{Outcomes: []string{"transient"}})
	type summary struct {
		State   rivertype.JobState
		Attempt int
		Runs    int
	}
	if diff := cmp.Diff(summary{rivertype.JobStateCancelled, 3, 3}, summary{job.State, job.Attempt, len(w.starts())}); diff != "" {
		t.Errorf("job (-want +got)\n%s", diff)
	}
	if n := len(job.Errors); n != 3 || !strings.Contains(job.Errors[n-1].Error, "MAX_ATTEMPTS_GLOBAL after 3 attempts") {
		t.Errorf("errors %+v, want 3, the last MAX_ATTEMPTS_GLOBAL after 3 attempts", job.Errors)
	}
}
