package redressriver_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressriver "github.com/redress-go/redress/contrib/river"
	"github.com/redress-go/redress/retry"
)

// EmailArgs is a River job that sends one email.
type EmailArgs struct {
	To string `json:"to"`
}

func (EmailArgs) Kind() string { return "email" }

// EmailWorker sends emails; it marks what it knows about its failures,
// and the policy's classifier does the rest.
type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
}

func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	if job.Args.To == "" {
		return classifier.MarkPermanent(errors.New("no recipient")) // cancelled, never retried
	}
	return nil
}

// The whole wiring of a River client (this is the code of
// docs/job-queues.md; it needs a database, so it is compiled, not run).
func Example_client() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://localhost/app")
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	policy := redress.MustNew(
		redress.WithOperation("email.send"),
		redress.WithAttemptTimeout(30*time.Second),
		redress.WithRetry(
			retry.WithMaxAttempts(8),
			retry.WithBackoff(backoff.FullJitter(10*time.Second, time.Hour)),
		),
	)
	jobs := redressriver.New(policy)

	workers := river.NewWorkers()
	river.AddWorker(workers, &EmailWorker{})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Middleware:  []rivertype.Middleware{jobs}, // runs every job under the policy
		RetryPolicy: jobs,                         // reschedules with the policy's delays
		MaxAttempts: policy.Retry().MaxAttempts(), // River's cap agrees with the policy's
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:     workers,
	})
	if err != nil {
		panic(err)
	}
	if err := client.Start(ctx); err != nil {
		panic(err)
	}
	defer client.Stop(ctx)

	_, err = client.Insert(ctx, EmailArgs{To: "ada@example.com"}, nil)
	fmt.Println(err)
}

// ReportWorker uses a policy of its own, for its kind of job only: its
// Middleware and NextRetry methods hand the job to the same Retrier,
// instead of setting the Retrier on the client.
type ReportWorker struct {
	river.WorkerDefaults[ReportArgs]
	jobs *redressriver.Retrier
}

// ReportArgs is a River job that builds one report.
type ReportArgs struct{}

func (ReportArgs) Kind() string { return "report" }

func (w *ReportWorker) Middleware(*rivertype.JobRow) []rivertype.WorkerMiddleware {
	return []rivertype.WorkerMiddleware{w.jobs}
}

func (w *ReportWorker) NextRetry(job *river.Job[ReportArgs]) time.Time {
	return w.jobs.NextRetry(job.JobRow)
}

func (w *ReportWorker) Work(ctx context.Context, job *river.Job[ReportArgs]) error { return nil }

var _ river.Worker[ReportArgs] = (*ReportWorker)(nil)
