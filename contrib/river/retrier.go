package redressriver

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

// Retrier runs River jobs under a redress policy and tells River when to
// run a failed job again. It is both a worker middleware
// (rivertype.WorkerMiddleware, for river.Config.Middleware or a worker's
// Middleware method) and a retry policy (river.ClientRetryPolicy, for
// river.Config.RetryPolicy); give the same Retrier to both, since the
// middleware hands the delay it decided to the retry policy.
//
// Each run of a job is one call of the policy in defer mode whose first
// attempt is the job's attempt number (JobRow.Attempt), so the policy's
// caps and backoff growth go on across deliveries. What the call's end
// does to the job:
//
//   - success: the job completes;
//   - a retry the policy schedules, for a RATE_LIMIT failure that carries
//     the server's Retry-After: the job is snoozed (river.JobSnooze) for
//     the policy's delay, which does not use up one of River's attempts;
//   - any other retry the policy schedules: the job fails with the
//     *redress.StopError (reason SCHEDULED) and River reschedules it
//     NextDelay later, through NextRetry;
//   - the job's context ended (River's job timeout or the client
//     stopping): the job fails with the work's error and River handles it
//     as usual;
//   - the policy shed the job before its work ran (an open breaker, a full
//     bulkhead, a client-side throttle): the job is snoozed for the delay
//     the policy's strategy gives a TRANSIENT failure of its attempt; it
//     does not use up an attempt;
//   - any other stop (a PERMANENT, AUTH or PERMISSION failure, the policy's
//     attempts or a class's cap used up, the budget denied the retry): the
//     job is cancelled (river.JobCancel) with the *redress.StopError, and
//     runs no more. A job River delivers after the policy's last attempt
//     (its last run panicked or timed out) is cancelled without running.
//
// The policy's own deadline does not apply: a run is bounded by River's
// job timeout and the policy's attempt timeout (redress.WithAttemptTimeout),
// and the wait before the next run is spent in the queue, not in the
// worker, so neither deadline can veto it.
//
// A Retrier is safe for concurrent use.
type Retrier struct {
	river.MiddlewareDefaults

	policy *redress.Policy
	err    error

	// scheduled holds, per job ID, the delay a failed run decided until
	// River asks NextRetry for it, right after the run. An entry River
	// never asks for (an error handler cancelled the job) is swept once
	// it is older than staleAfter; stores counts the entries stored, to
	// sweep every sweepEvery of them.
	scheduled sync.Map // int64 → schedule
	stores    atomic.Uint64
}

// schedule is a delay decided for one run of a job.
type schedule struct {
	attempt int
	delay   time.Duration
	at      time.Time // when the run decided it
}

const (
	staleAfter = time.Minute
	sweepEvery = 1024
)

var (
	_ rivertype.WorkerMiddleware = (*Retrier)(nil)
	_ river.ClientRetryPolicy    = (*Retrier)(nil)
)

// New returns a Retrier for the policy opts describe (a *redress.Policy is
// an option). Defer mode is turned on and the policy's deadline removed,
// whatever opts say. Invalid options do not panic: Err reports them, and
// every job the Retrier runs then fails, without running its work, with an
// error matching redress.ErrInvalidConfig, and is rescheduled by River's
// default retry policy, so that the jobs wait for a fixed build instead of
// being lost.
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

// Work runs the job (doInner) as one call of the policy; see Retrier for
// what the call's end does to the job. It is River's worker middleware
// hook.
func (r *Retrier) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	if r.err != nil {
		return r.err
	}
	r.scheduled.Delete(job.ID) // a delay left over from a run River did not retry
	attempt := max(job.Attempt, 1)
	if last := r.policy.Retry().MaxAttempts(); attempt > last {
		// River retried a run that decided no delay (a panic, a job
		// timeout) after the policy's last attempt.
		return river.JobCancel(&redress.StopError{Reason: redress.StopMaxAttempts,
			Operation: r.policy.Operation(), Attempts: last})
	}
	err := redress.Do(withoutDeadline{ctx}, func(actx context.Context) error {
		// The work keeps the job's own deadline, hidden from the policy.
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			actx, cancel = context.WithDeadline(actx, dl)
			defer cancel()
		}
		return doInner(actx)
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
			return river.JobSnooze(se.NextDelay)
		}
		// River calls NextRetry only for a job it will retry.
		if job.Attempt < job.MaxAttempts {
			r.store(job.ID, schedule{attempt: job.Attempt, delay: se.NextDelay, at: r.policy.Clock().Now()})
		}
		return err
	case redress.StopAborted:
		if se.Err != nil {
			return se.Err
		}
		return err // the job's context ended before the work ran
	case redress.StopCircuitOpen, redress.StopBulkheadFull, redress.StopThrottled:
		// The policy shed the job before its work ran: not a failure of
		// the job, so it does not use up an attempt.
		if d, ok := r.transientDelay(attempt); ok {
			return river.JobSnooze(d)
		}
	}
	return river.JobCancel(err)
}

// NextRetry returns when River should run the failed job again: the delay
// the policy decided for the job's last run, from now. For a run that
// decided none (a panic, River's job timeout), it is the delay the
// policy's strategy gives a TRANSIENT failure of that attempt (the next
// run is cancelled without running if the policy allows no further
// attempt). With invalid options it is River's default retry policy's
// answer. It is River's client retry policy hook.
func (r *Retrier) NextRetry(job *rivertype.JobRow) time.Time {
	if r.err != nil {
		return (&river.DefaultClientRetryPolicy{}).NextRetry(job)
	}
	now := r.policy.Clock().Now()
	if v, ok := r.scheduled.LoadAndDelete(job.ID); ok {
		if s := v.(schedule); s.attempt == job.Attempt {
			return now.Add(s.delay)
		}
	}
	d, _ := r.transientDelay(max(job.Attempt, 1))
	return now.Add(d)
}

// store keeps s for NextRetry, and now and then drops the entries River
// never asked for.
func (r *Retrier) store(id int64, s schedule) {
	r.scheduled.Store(id, s)
	if r.stores.Add(1)%sweepEvery != 0 {
		return
	}
	r.scheduled.Range(func(k, v any) bool {
		if s.at.Sub(v.(schedule).at) > staleAfter {
			r.scheduled.CompareAndDelete(k, v)
		}
		return true
	})
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
	dec := p.Decide(&t, min(n, p.MaxAttempts()-1), classifier.Classification{Class: classifier.Transient}, retry.NoDeadline)
	return dec.Delay, dec.Retry
}

// withoutDeadline is a context that ends with its parent but reports no
// deadline, so that the policy's decision in defer mode is not vetoed by a
// job timeout the wait before the next run is not spent in.
type withoutDeadline struct{ context.Context }

func (withoutDeadline) Deadline() (time.Time, bool) { return time.Time{}, false }
