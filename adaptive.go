package redress

// OutcomeRecorder learns from the outcomes of attempts, such as a
// *backoff.AdaptiveStrategy. Implementations must be safe for concurrent
// use, and quick: Record is called on the call's path.
type OutcomeRecorder interface {
	// Record is told whether an attempt succeeded.
	Record(success bool)
}

// WithAdaptive tells each of rs the outcome of every attempt, as the
// budget is told (see WithBudget): a success, or a failure of a class that
// is retried; failures of classes that are never retried and attempts the
// caller cancelled are not reported. Pass the adaptive strategies of the
// policy's retry options here, so that they see the traffic they pace:
//
//	ad := backoff.Adaptive(backoff.FullJitter(100*time.Millisecond, 5*time.Second))
//	redress.New(redress.WithRetry(retry.WithBackoff(ad)), redress.WithAdaptive(ad))
//
// A recorder with an Err method that reports an error (as an invalid
// *backoff.AdaptiveStrategy does) is an invalid configuration. Repeating
// adds. Default none.
func WithAdaptive(rs ...OutcomeRecorder) Option {
	return optionFunc(func(c *config) {
		for _, r := range rs {
			if r == nil {
				c.invalid(invalidf("WithAdaptive", "recorder is nil"))
				return
			}
			if err := errOf(r); err != nil {
				c.invalid(invalidf("WithAdaptive", "%v", err))
				return
			}
		}
		c.adaptive = append(c.adaptive[:len(c.adaptive):len(c.adaptive)], rs...)
	})
}
