// Package redressriver runs River (github.com/riverqueue/river) jobs under a
// redress policy: a job's error is classified with the policy, permanent
// failures cancel the job, a rate-limited job is snoozed for the server's
// Retry-After, and other failures are rescheduled by River after the
// policy's delay, computed in defer mode (no worker sleeps). The job's
// attempt number comes from River, so the policy's caps and backoff growth
// go on across deliveries.
//
// One Retrier is both River's worker middleware and its retry policy:
//
//	jobs := redressriver.New(policy)
//	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
//		Middleware:  []rivertype.Middleware{jobs},
//		RetryPolicy: jobs,
//		MaxAttempts: policy.Retry().MaxAttempts(), // the two caps agree
//		Workers:     workers,
//		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
//	})
//
// River discards a job after its MaxAttempts; the policy cancels it when
// its own cap (retry.WithMaxAttempts) is reached. Set River's MaxAttempts
// to the policy's, as above, so that the two agree; otherwise the lower
// one ends the job.
package redressriver
