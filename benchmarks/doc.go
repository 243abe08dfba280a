// Package benchmarks holds side-by-side benchmarks of redress against peer
// libraries: cenkalti/backoff v5 and avast/retry-go v4 for retrying,
// sony/gobreaker v2 for circuit breaking, failsafe-go for both,
// golang.org/x/sync/semaphore for bounding concurrency and
// hashicorp/go-retryablehttp for HTTP.
//
// It is a module of its own so that the peers never become dependencies of
// redress. Run it from this directory:
//
//	go test -run '^$' -bench . -benchmem -count=5
//
// The results and how to read them are in docs/performance.md at the root of
// the repository, with the exact commands of the last run. TestAllocs, run by
// a plain go test without -race, fails if a call allocates more than the
// performance budget allows.
package benchmarks
