package redressasynq_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/classifier"
	redressasynq "github.com/redress-go/redress/contrib/asynq"
	"github.com/redress-go/redress/retry"
)

// sendEmail handles "email:send" tasks; it marks what it knows about its
// failures, and the policy's classifier does the rest.
func sendEmail(ctx context.Context, t *asynq.Task) error {
	if len(t.Payload()) == 0 {
		return classifier.MarkPermanent(errors.New("no recipient")) // archived, never retried
	}
	return nil
}

// The whole wiring of an asynq server and client (this is the code of
// docs/job-queues.md; it needs Redis, so it is compiled, not run).
func Example_server() {
	redisOpt := asynq.RedisClientOpt{Addr: "localhost:6379"}
	policy := redress.MustNew(
		redress.WithOperation("email.send"),
		redress.WithAttemptTimeout(30*time.Second),
		redress.WithRetry(
			retry.WithMaxAttempts(8),
			retry.WithBackoff(backoff.FullJitter(10*time.Second, time.Hour)),
		),
	)
	jobs := redressasynq.New(policy)

	srv := asynq.NewServer(redisOpt, asynq.Config{
		Concurrency:    10,
		RetryDelayFunc: jobs.RetryDelay, // reschedules with the policy's delays
		IsFailure:      jobs.IsFailure,  // rate-limited and shed runs are not failures
	})
	mux := asynq.NewServeMux()
	mux.Use(jobs.Middleware) // runs every task under the policy
	mux.HandleFunc("email:send", sendEmail)
	if err := srv.Start(mux); err != nil {
		panic(err)
	}
	defer srv.Shutdown()

	client := asynq.NewClient(redisOpt)
	defer client.Close()
	_, err := client.Enqueue(asynq.NewTask("email:send", []byte(`{"to":"ada@example.com"}`)),
		asynq.MaxRetry(policy.Retry().MaxAttempts()-1)) // asynq's cap agrees with the policy's
	fmt.Println(err)
}
