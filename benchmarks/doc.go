// Package benchmarks holds side-by-side benchmarks of redress against peer
// libraries: cenkalti/backoff v5 and avast/retry-go v4 for retrying,
// sony/gobreaker v2 for circuit breaking, and failsafe-go for both.
//
// It is a module of its own so that the peers never become dependencies of
// redress. Run it from this directory:
//
//	go test -run '^$' -bench . -benchmem -benchtime=200ms -count=3
//
// The results and how to read them are in docs/performance.md at the root of
// the repository. TestSuccessPathAllocs, run by a plain go test, fails if the
// success path of a prebuilt policy starts to allocate.
package benchmarks
