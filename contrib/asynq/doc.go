// Package redressasynq runs asynq (github.com/hibiken/asynq) tasks under a
// redress policy: a task's error is classified with the policy, permanent
// failures archive the task without retrying it (asynq.SkipRetry), a
// rate-limited task is retried after the server's Retry-After without
// counting against its MaxRetry, and other failures are retried by asynq
// after the policy's delay, computed in defer mode (no handler sleeps).
// The task's attempt number comes from asynq (its retry count plus one),
// so the policy's caps and backoff growth go on across deliveries.
//
// One Retrier is asynq's middleware, retry delay function and failure
// predicate:
//
//	jobs := redressasynq.New(policy)
//	srv := asynq.NewServer(redisOpt, asynq.Config{
//		RetryDelayFunc: jobs.RetryDelay,
//		IsFailure:      jobs.IsFailure,
//	})
//	mux := asynq.NewServeMux()
//	mux.Use(jobs.Middleware)
//	…
//	client.Enqueue(task, asynq.MaxRetry(policy.Retry().MaxAttempts()-1)) // the two caps agree
//
// asynq archives a task once it has been retried MaxRetry times; the
// policy archives it when its own cap (retry.WithMaxAttempts, which counts
// the first attempt too) is reached. Enqueue tasks with MaxRetry one below
// the policy's MaxAttempts, as above, so that the two agree; otherwise the
// lower one ends the task.
package redressasynq
