package breaker

// The run of consecutive failures is one atomic word, so that a success in
// the closed state ends it without a lock. The word holds the run's count
// in its low 32 bits and, above them, the low 32 bits of the generation
// the run belongs to: a run of another generation is no run at all, so a
// change of state starts the next closed generation at 0 without touching
// the word, and an outcome of an older generation can neither add to the
// run of a newer one nor end it.

const runCountMask = 1<<32 - 1

// runWord returns the word of a run of count failures in generation gen.
func runWord(gen uint64, count uint64) uint64 { return gen<<32 | count }

// runOf returns the count of run word r for generation gen: 0 when r
// belongs to another generation.
func runOf(r, gen uint64) uint64 {
	if r>>32 != gen&runCountMask {
		return 0
	}
	return r & runCountMask
}

// extendRun adds n failures to the run of generation gen, and returns the
// run's count after them. The count saturates at maxConsecutive.
func (b *Breaker) extendRun(gen uint64, n int64) uint64 {
	for {
		r := b.run.Load()
		c := min(runOf(r, gen)+uint64(n), maxConsecutive)
		if b.run.CompareAndSwap(r, runWord(gen, c)) {
			return c
		}
	}
}

// endRun ends the run of generation gen, if there is one: a call of that
// generation succeeded. It only reads the word when there is no run to
// end, so that busy successes do not contend on it.
func (b *Breaker) endRun(gen uint64) {
	for {
		r := b.run.Load()
		if runOf(r, gen) == 0 || b.run.CompareAndSwap(r, runWord(gen, 0)) {
			return
		}
	}
}
