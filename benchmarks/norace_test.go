//go:build !race

package benchmarks

// raceEnabled reports whether the race detector is on; it makes allocations
// of its own, so allocation counts mean nothing under it.
const raceEnabled = false
