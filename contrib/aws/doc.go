// Package redressaws puts AWS SDK for Go v2 clients under a redress
// policy.
//
// Classifier classifies the SDK's errors by their AWS error code, so that
// a DynamoDB or STS throttle, which AWS answers with HTTP 400 and the code
// ThrottlingException, is RATE_LIMIT and waits, instead of PERMANENT as
// its status alone would say.
//
// NewRetryer returns an aws.RetryerV2 that lets an SDK client retry under
// a redress policy: the policy's classes decide what is retried, its
// backoff strategy decides how long to wait, its budget grants retries
// and its circuit breaker guards every attempt. Set it on the config that
// makes the clients, and the SDK's own retryer is replaced:
//
//	policy := redress.MustNew(redress.WithBudget(budget.NewQuota()))
//	cfg.Retryer = func() aws.Retryer { return redressaws.NewRetryer(policy) }
//	client := dynamodb.NewFromConfig(cfg)
//
// Do not also wrap the client's calls in redress.Execute: each layer
// would retry the other's retries. To run SDK calls under Execute
// instead, give the SDK aws.NopRetryer and Execute the Classifier (see
// the examples).
package redressaws
