// Package splitmix is the seeded random source shared by redress's
// strategies and stages: SplitMix64 (Steele, Lea and Flood, "Fast
// Splittable Pseudorandom Number Generators", OOPSLA 2014). Its state is a
// counter advanced by a constant, so an atomic add gives each draw its own
// counter value and concurrent draws need no lock. A seed gives the same
// sequence on every platform and with every Go release.
package splitmix

import "sync/atomic"

// gamma is SplitMix64's increment, 2^64 divided by the golden ratio,
// rounded to odd.
const gamma = 0x9e3779b97f4a7c15

// Source is a SplitMix64 generator, safe for concurrent use. Its zero
// value is seeded with 0. A Source must not be copied after first use.
type Source struct{ state atomic.Uint64 }

// Seed restarts the sequence from seed.
func (s *Source) Seed(seed uint64) { s.state.Store(seed) }

// Uint64 returns the next 64 random bits.
func (s *Source) Uint64() uint64 {
	z := s.state.Add(gamma)
	// SplitMix64's finaliser (the constants of Vigna's splitmix64.c).
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Float64 returns a uniform draw from [0, 1), from the top 53 bits.
func (s *Source) Float64() float64 { return float64(s.Uint64()>>11) / (1 << 53) }
