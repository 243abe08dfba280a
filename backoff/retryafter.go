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
// failures, with the default backoff as the fallback.
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

func (s *retryAfterOr) Delay(in Input) time.Duration {
	ra := in.Classification.RetryAfter
	if ra <= 0 {
		return s.fallback.Delay(in)
	}
	j := s.rng.upTo(RetryAfterJitter)
	if ra > math.MaxInt64-j {
		return math.MaxInt64
	}
	return ra + j
}
