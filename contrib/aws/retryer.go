package redressaws

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// Retryer is an aws.RetryerV2 that makes an AWS SDK client retry under a
// redress policy. Make one with NewRetryer and hand it to the SDK through
// aws.Config.Retryer (or a client's Options.Retryer); it replaces the
// SDK's standard retryer. A Retryer is safe for concurrent use by every
// call of every client it is given to.
//
// The SDK's retry middleware runs the loop, and asks the Retryer:
//
//   - MaxAttempts: the policy's (retry.WithMaxAttempts, 6 by default; the
//     SDK's own default is 3). An SDK setting of its own
//     (Options.RetryMaxAttempts, AWS_MAX_ATTEMPTS, max_attempts in the
//     shared config) replaces it, for the SDK's count; the policy's still
//     stops the call at its own maximum.
//   - GetAttemptToken, before every attempt: the policy's circuit breaker
//     lets the attempt through or refuses it, and then the call fails,
//     without reaching the service, with an error that matches
//     breaker.ErrOpen. Each attempt reports its outcome to the breaker:
//     success, or a failure of its class (counted if the breaker trips on
//     it), or neither when the caller cancelled.
//   - IsErrorRetryable: the policy's classifier (Classifier, unless the
//     policy sets one with redress.WithClassifier) classifies the error,
//     and PERMANENT, AUTH and PERMISSION are not retried, nor a class the
//     policy never retries (retry.WithMaxAttemptsFor with 0) or has no
//     strategy for. A request the caller cancelled is never retried.
//   - GetRetryToken, before every retry: the policy's budget grants the
//     retry or refuses it, and then the call fails with the last error
//     joined with one that matches budget.ErrExhausted. A budget that is a
//     budget.ClassAware (budget.NewQuota) is asked with the failure's
//     error and class, and told when a call succeeds, as the pipeline of
//     redress.Execute does. With budget.NewQuota() the Retryer spends and
//     refunds exactly the tokens of the SDK's standard retryer.
//   - RetryDelay: the delay is the policy's strategy's for the class
//     (retry.Policy.Decide); the policy's per-class and UNKNOWN caps stop
//     the call here, with a *redress.StopError that wraps the last error.
//     The SDK then sleeps for it, on the real clock, and lengthens it to
//     a response's x-amz-retry-after if that asks for more (by at most
//     5 s), which Classifier also puts in RetryAfter.
//
// # What differs from redress.Execute
//
// The SDK tells a retryer the number of the attempt only in RetryDelay
// and keeps no state of a call for it, so a Retryer decides each retry
// from the attempt number and that attempt's error alone. It counts the
// call's earlier failures as failures of the same class as the last one:
// exact when a call keeps failing the same way, and when the classes
// alternate, a per-class cap (retry.WithMaxAttemptsFor,
// retry.WithMaxUnknownAttempts) stops the call sooner than Execute would,
// never later. A strategy that grows from its previous delay
// (backoff.DecorrelatedJitter) grows from one drawn for the earlier
// attempts as if they had failed that way too. The SDK asks the budget
// before the delay, so a retry the per-class caps then refuse has been
// paid for. The policy's deadline, attempt timeout, observers,
// middleware, bulkhead, throttle, hedging and fallback do not apply: bound
// an SDK call with its context, whose deadline the SDK honours while it
// sleeps. Its breaker guards attempts, not calls.
//
// Invalid options never panic: every call made through the Retryer then
// fails, before any request is sent, with an error that matches
// redress.ErrInvalidConfig.
type Retryer struct {
	err     error // the policy's configuration error
	policy  *redress.Policy
	cl      classifier.Classifier
	rp      *retry.Policy
	br      redress.CircuitBreaker
	bud     budget.Budget
	aware   budget.ClassAware
	learner budget.Learner
	first   *awsretry.Standard // tells a call's first attempt; see isFirst
}

var _ aws.RetryerV2 = (*Retryer)(nil)

// NewRetryer returns a Retryer that retries under the policy built from
// opts (see redress.New), with Classifier as its classifier unless opts
// set one with redress.WithClassifier. A prebuilt *redress.Policy is an
// option like any other:
//
//	cfg.Retryer = func() aws.Retryer { return redressaws.NewRetryer(policy) }
//
// Options that are invalid do not make NewRetryer fail or panic: the
// Retryer's Err reports them, and every call through it fails with that
// error, matching redress.ErrInvalidConfig, before any request is sent.
func NewRetryer(opts ...redress.Option) *Retryer {
	all := make([]redress.Option, 0, len(opts)+1)
	all = append(all, redress.WithDefaultClassifier(Classifier))
	p, err := redress.New(append(all, opts...)...)
	if err != nil {
		return &Retryer{err: fmt.Errorf("redressaws: %w", err)}
	}
	r := &Retryer{
		policy: p,
		cl:     p.Classifier(),
		rp:     p.Retry(),
		br:     p.Breaker(),
		bud:    p.Budget(),
		first: awsretry.NewStandard(func(o *awsretry.StandardOptions) {
			o.RateLimiter = firstAttemptProbe{}
		}),
	}
	r.aware, _ = r.bud.(budget.ClassAware)
	r.learner, _ = r.bud.(budget.Learner)
	return r
}

// Err returns nil, or the error, matching redress.ErrInvalidConfig, that
// every call through the Retryer fails with because its options were
// invalid.
func (r *Retryer) Err() error { return r.err }

// MaxAttempts returns the policy's maximum number of attempts, the first
// included; 1 when the options were invalid.
func (r *Retryer) MaxAttempts() int {
	if r.err != nil {
		return 1
	}
	return r.rp.MaxAttempts()
}

// IsErrorRetryable reports whether the policy retries a failure with err
// at all: its class is retried and has a strategy, and the caller did
// not cancel the request. Whether this call may make one more attempt is
// for MaxAttempts, GetRetryToken and RetryDelay.
func (r *Retryer) IsErrorRetryable(err error) bool {
	if r.err != nil || err == nil || cancelled(err) {
		return false
	}
	var t retry.Tracker
	d := r.rp.Decide(&t, 1, r.cl.Classify(err), retry.NoDeadline)
	return d.Retry || d.Reason == retry.StopMaxAttempts
}

// RetryDelay returns the policy's delay before the attempt after attempt
// (1-based), which failed with err, or an error when the policy stops
// the call there: a *redress.StopError that wraps err (see Retryer for
// how the attempt's history is counted).
func (r *Retryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	if r.err != nil {
		return 0, r.err
	}
	c := r.cl.Classify(err)
	var t retry.Tracker
	for n := 1; ; n++ {
		d := r.rp.Decide(&t, n, c, retry.NoDeadline)
		switch {
		case !d.Retry:
			return 0, &redress.StopError{Reason: d.Reason, Operation: r.policy.Operation(),
				Attempts: attempt, LastClass: c.Class, Err: err}
		case n >= attempt:
			return d.Delay, nil
		}
	}
}

// GetRetryToken asks the policy's budget for a retry after a failure
// with opErr. It returns an error matching budget.ErrExhausted when the
// budget refuses (or, wrapped as well, the budget's own error when it
// could not decide). The release function tells a budget.ClassAware budget
// that the call succeeded when the retry it paid for succeeds.
func (r *Retryer) GetRetryToken(ctx context.Context, opErr error) (func(error) error, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.bud == nil {
		return nopRelease, nil
	}
	var (
		c   classifier.Classification
		ok  bool
		err error
	)
	if r.aware != nil {
		c = r.cl.Classify(opErr)
		ok, err = r.aware.AllowRetryFor(ctx, opErr, c)
	} else {
		ok, err = r.bud.AllowRetry(ctx)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("redressaws: %w (failed closed: %w)", budget.ErrExhausted, err)
	case !ok:
		return nil, fmt.Errorf("redressaws: %w", budget.ErrExhausted)
	case r.aware == nil:
		return nopRelease, nil
	}
	return func(err error) error {
		if err == nil {
			r.aware.RecordSuccess(true, c, opErr)
		}
		return nil
	}, nil
}

// GetInitialToken is GetAttemptToken for a caller without a context; the
// SDK's retry middleware calls GetAttemptToken. A refused attempt cannot
// be reported here, so the breaker is not asked.
func (r *Retryer) GetInitialToken() func(error) error {
	return nopRelease
}

// GetAttemptToken asks the policy's circuit breaker whether the attempt
// about to be made may go ahead: an error matching breaker.ErrOpen when
// it may not, and redress.ErrInvalidConfig for a Retryer made from
// invalid options. The release function reports the attempt's outcome to
// the breaker and the budget.
func (r *Retryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if r.err != nil {
		return nil, r.err
	}
	var ticket breaker.Ticket
	if r.br != nil {
		t, err := r.br.Allow()
		if err != nil {
			return nil, fmt.Errorf("redressaws: attempt refused: %w", err)
		}
		ticket = t
	}
	first := r.isFirst(ctx)
	if first && r.learner != nil {
		r.learner.RecordRequest()
	}
	if r.br == nil && r.learner == nil && (r.aware == nil || !first) {
		return nopRelease, nil
	}
	return func(err error) error {
		r.attemptDone(ctx, ticket, first, err)
		return nil
	}, nil
}

// attemptDone reports an attempt's outcome to the breaker and the budget.
func (r *Retryer) attemptDone(ctx context.Context, ticket breaker.Ticket, first bool, err error) {
	if err == nil {
		if r.br != nil {
			r.br.Record(ticket, breaker.Success, classifier.Unknown)
		}
		if r.learner != nil {
			r.learner.RecordOutcome(true)
		}
		if first && r.aware != nil {
			r.aware.RecordSuccess(false, classifier.Classification{}, nil)
		}
		return
	}
	if cancelled(err) || ctx.Err() != nil {
		if r.br != nil {
			r.br.Record(ticket, breaker.Cancelled, classifier.Unknown)
		}
		return
	}
	c := r.cl.Classify(err)
	if r.br != nil {
		r.br.Record(ticket, breaker.Failure, c.Class)
	}
	if r.learner != nil && c.Class.Retryable() {
		r.learner.RecordOutcome(false)
	}
}

// isFirst reports whether ctx is that of a call's first attempt. The
// SDK's retry middleware numbers the attempts in ctx, under a key of its
// own that only package retry reads; its standard retryer gives the
// first attempt a release function that calls its rate limiter's
// AddTokens when the attempt succeeds, and later attempts one that does
// nothing (aws/retry/standard.go, GetAttemptToken, v1.48.0). So a
// standard retryer whose rate limiter answers AddTokens with
// errFirstAttempt tells the first attempt by what its release returns.
func (r *Retryer) isFirst(ctx context.Context) bool {
	release, err := r.first.GetAttemptToken(ctx)
	return err == nil && release(nil) == errFirstAttempt
}

var errFirstAttempt = errors.New("redressaws: first attempt")

// firstAttemptProbe is the rate limiter of Retryer.first.
type firstAttemptProbe struct{}

func (firstAttemptProbe) GetToken(context.Context, uint) (func() error, error) {
	return nil, errors.New("redressaws: not a rate limiter")
}

func (firstAttemptProbe) AddTokens(uint) error { return errFirstAttempt }

func nopRelease(error) error { return nil }

// cancelled reports whether err says the caller cancelled the request:
// the SDK's smithy.CanceledError (also for a context deadline) or a
// context error.
func cancelled(err error) bool {
	var c interface{ CanceledError() bool }
	if errors.As(err, &c) && c.CanceledError() {
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
