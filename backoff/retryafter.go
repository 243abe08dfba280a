package backoff

import (
	"math"
	"time"
)

// RetryAfterJitter is the most RetryAfterOr adds to a server's Retry-After.
// A server that tells a whole fleet to come back in 30 seconds would
// otherwise get the whole fleet back in the same instant.
const RetryAfterJitter = 500 * time.Millisecond

// RetryAfterOr returns a strategy that honours a server's Retry-After.
// When in.Classification.RetryAfter is positive it waits that long plus a
// uniformly random jitter in [0, RetryAfterJitter]; otherwise it returns
// fallback.Delay(in) unchanged. This is redress's default for RATE_LIMIT
// and SERVER_ERROR failures, with the default backoff as the fallback.
//
// The strategy is ServerAware: it reports which delays are the server's,
// so that the retry policy keeps them out of Input.Prev and the fallback
// grows from its own previous delay, not from the server's wait.
//
// RetryAfterOr does not cap the Retry-After itself: the retry policy caps
// it before any strategy sees it (see retry.WithMaxRetryAfter), so the
// delay is at most that cap plus RetryAfterJitter. WithSeed makes the
// jitter reproducible; it does not affect the fallback, which has its own
// options. RetryAfterOr panics if fallback is nil.
func RetryAfterOr(fallback Strategy, opts ...Option) Strategy {
	if fallback == nil {
		panic("backoff: RetryAfterOr with a nil fallback")
	}
	s := &retryAfterOr{fallback: fallback}
	s.rng.init(opts)
	return s
}

type retryAfterOr struct {
	fallback Strategy
	rng      rng
}

var _ ServerAware = (*retryAfterOr)(nil)

func (s *retryAfterOr) Delay(in Input) time.Duration {
	d, _ := s.DelaySource(in)
	return d
}

// DelaySource returns Delay's delay and reports whether it is the
// server's Retry-After (plus jitter) rather than the fallback's.
func (s *retryAfterOr) DelaySource(in Input) (time.Duration, bool) {
	ra := in.Classification.RetryAfter
	if ra <= 0 {
		return DelaySource(s.fallback, in)
	}
	j := s.rng.upTo(RetryAfterJitter)
	if ra > math.MaxInt64-j {
		return math.MaxInt64, true
	}
	return ra + j, true
}
