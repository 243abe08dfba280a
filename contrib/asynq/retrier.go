package redressasynq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// Retrier runs asynq tasks under a redress policy and tells asynq when to
// run a failed task again. Its three methods go into three places of an
// asynq server, and all three are needed:
//
//	jobs := redressasynq.New(policy)
//	srv := asynq.NewServer(redisOpt, asynq.Config{
//		RetryDelayFunc: jobs.RetryDelay,
//		IsFailure:      jobs.IsFailure,
//	})
//	mux := asynq.NewServeMux()
//	mux.Use(jobs.Middleware)
//
// Each run of a task is one call of the policy in defer mode whose first
// attempt is the task's attempt number (asynq's retry count plus one, from
// asynq.GetRetryCount), so the policy's caps and backoff growth go on
// across deliveries. What the call's end does to the task:
//
//   - success: the task completes;
//   - a retry the policy schedules, for a RATE_LIMIT failure that carries
//     the server's Retry-After: the task is retried after the policy's
//     delay, and IsFailure reports false, so asynq does not count the run
//     as a failure nor against the task's MaxRetry (asynq has no snooze;
//     this is the same);
//   - any other retry the policy schedules: the task fails with the
//     *redress.StopError (reason SCHEDULED) and asynq retries it
//     NextDelay later, through RetryDelay;
//   - the task's context ended (its timeout or deadline, or the server
//     shutting down): the task fails with the handler's error and asynq
//     handles it as usual;
//   - the policy shed the task before its handler ran (an open breaker, a
//     full bulkhead, a client-side throttle): the task is retried after
//     the delay the policy's strategy gives a TRANSIENT failure of its
//     attempt, and IsFailure reports false;
//   - any other stop (a PERMANENT, AUTH or PERMISSION failure, the policy's
//     attempts or a class's cap used up, the budget denied the retry): the
//     error wraps asynq.SkipRetry as well as the *redress.StopError, and
//     asynq archives the task without retrying it. A task asynq delivers
//     after the policy's last attempt (its last run panicked or timed out)
//     is archived without running.
//
// The policy's own deadline does not apply: a run is bounded by the task's
// timeout or deadline and the policy's attempt timeout
// (redress.WithAttemptTimeout), and the wait before the next run is spent
// in the queue, not in the handler, so neither deadline can veto it.
//
// A Retrier is safe for concurrent use.
type Retrier struct {
	policy *redress.Policy
	err    error
}

// New returns a Retrier for the policy opts describe (a *redress.Policy is
// an option). Defer mode is turned on and the policy's deadline removed,
// whatever opts say. Invalid options do not panic: Err reports them, and
// every task the Retrier runs then fails, without running its handler,
// with an error matching redress.ErrInvalidConfig, and is retried on
// asynq's default schedule (asynq.DefaultRetryDelayFunc), so that the
// tasks wait for a fixed build instead of being lost.
func New(opts ...redress.Option) *Retrier {
	all := make([]redress.Option, 0, len(opts)+2)
	all = append(all, opts...)
	all = append(all, redress.WithRetry(retry.WithDefer(true)), redress.WithoutDeadline())
	p, err := redress.New(all...)
	return &Retrier{policy: p, err: err}
}

// Err reports invalid options given to New, matching
// redress.ErrInvalidConfig; nil when the options are valid.
func (r *Retrier) Err() error { return r.err }

// Middleware runs each task's handler as one call of the policy; see
// Retrier for what the call's end does to the task. Its type is that of
// an asynq.MiddlewareFunc: pass it to (*asynq.ServeMux).Use, or call it on
// a handler.
func (r *Retrier) Middleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		if r.err != nil {
			return r.err
		}
		retried, _ := asynq.GetRetryCount(ctx)
		attempt := retried + 1
		if last := r.policy.Retry().MaxAttempts(); attempt > last {
			// asynq retried a run that decided no delay (a panic, a task
			// timeout) after the policy's last attempt.
			se := &redress.StopError{Reason: redress.StopMaxAttempts, Operation: r.policy.Operation(), Attempts: last}
			return fmt.Errorf("%w (%w)", se, asynq.SkipRetry)
		}
		err := redress.Do(withoutDeadline{ctx}, func(actx context.Context) error {
			// The handler keeps the task's own deadline, hidden from the policy.
			if dl, ok := ctx.Deadline(); ok {
				var cancel context.CancelFunc
				actx, cancel = context.WithDeadline(actx, dl)
				defer cancel()
			}
			return next.ProcessTask(actx, task)
		}, r.policy, redress.WithFirstAttempt(attempt))
		if err == nil {
			return nil
		}
		var se *redress.StopError
		if !errors.As(err, &se) {
			return err // not a stop of the call (never expected)
		}
		switch se.Reason {
		case redress.StopScheduled:
			if se.LastClass == classifier.RateLimit && r.policy.Classifier().Classify(se.Err).RetryAfter > 0 {
				return &snoozeError{delay: se.NextDelay, err: err}
			}
			return err
		case redress.StopAborted:
			if se.Err != nil {
				return se.Err
			}
			return err // the task's context ended before the handler ran
		case redress.StopCircuitOpen, redress.StopBulkheadFull, redress.StopThrottled:
			// The policy shed the task before its handler ran: not a
			// failure of the task, so it does not count against MaxRetry.
			if d, ok := r.transientDelay(attempt); ok {
				return &snoozeError{delay: d, err: err}
			}
		}
		return fmt.Errorf("%w (%w)", err, asynq.SkipRetry)
	})
}

// RetryDelay returns how long asynq waits before running the failed task
// again: the delay the policy decided for the run that failed with err.
// For a run that decided none (a panic, the task's timeout), it is the
// delay the policy's strategy gives a TRANSIENT failure of that attempt
// (n+1, n being the retries so far; the next run is archived without
// running if the policy allows no further attempt). With invalid options
// it is asynq.DefaultRetryDelayFunc's. Its type is that of an
// asynq.RetryDelayFunc: set it as asynq.Config.RetryDelayFunc.
func (r *Retrier) RetryDelay(n int, err error, task *asynq.Task) time.Duration {
	if r.err != nil {
		return asynq.DefaultRetryDelayFunc(n, err, task)
	}
	var s *snoozeError
	if errors.As(err, &s) {
		return s.delay
	}
	var se *redress.StopError
	if errors.As(err, &se) && se.Reason == redress.StopScheduled {
		return se.NextDelay
	}
	d, _ := r.transientDelay(n + 1)
	return d
}

// IsFailure reports whether err counts as a failure of the task: every
// error but that of a run the policy rescheduled for a server's
// Retry-After or shed before the handler ran, which asynq then retries
// without counting it against the task's MaxRetry. Set it as
// asynq.Config.IsFailure.
func (r *Retrier) IsFailure(err error) bool {
	var s *snoozeError
	return err != nil && !errors.As(err, &s)
}

// transientDelay is the delay the policy's strategy gives a TRANSIENT
// failure of attempt n, computed as if another attempt were allowed; ok
// is false when the policy retries no TRANSIENT failure at all.
func (r *Retrier) transientDelay(n int) (d time.Duration, ok bool) {
	p := r.policy.Retry()
	if p.MaxAttempts() < 2 {
		return 0, false
	}
	var t retry.Tracker
	dec := p.Decide(&t, min(max(n, 1), p.MaxAttempts()-1), classifier.Classification{Class: classifier.Transient}, retry.NoDeadline)
	return dec.Delay, dec.Retry
}

// snoozeError is the error of a run asynq retries after delay without
// counting it as a failure: rate limited, or shed by the policy.
type snoozeError struct {
	delay time.Duration
	err   error // the call's *redress.StopError
}

func (e *snoozeError) Error() string {
	return fmt.Sprintf("redressasynq: retry in %v, not a failure: %v", e.delay, e.err)
}

func (e *snoozeError) Unwrap() error { return e.err }

// withoutDeadline is a context that ends with its parent but reports no
// deadline, so that the policy's decision in defer mode is not vetoed by a
// task timeout the wait before the next run is not spent in.
type withoutDeadline struct{ context.Context }

func (withoutDeadline) Deadline() (time.Time, bool) { return time.Time{}, false }
