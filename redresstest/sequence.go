package redresstest

import (
	"time"

	"github.com/redress-go/redress/backoff"
)

// Sequence returns a strategy with exact delays: the retry after attempt n
// waits ds[n-1], and once the list is used up its last delay repeats. With
// no delays it always returns 0. It keeps no state, so one Sequence can be
// shared by concurrent calls, each of which sees the sequence from the
// start.
func Sequence(ds ...time.Duration) backoff.Strategy {
	ds = append([]time.Duration(nil), ds...)
	return backoff.Func(func(in backoff.Input) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		i := min(max(in.Attempt, 1), len(ds)) - 1
		return ds[i]
	})
}
