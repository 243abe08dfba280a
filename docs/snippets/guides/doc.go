// Package guides holds the code of the guides in docs/ that have no package
// of their own to live in: every Go block of those pages is an excerpt of
// a test file here, which compiles and runs it, and internal/docsync's
// TestGuides fails when a block is found in no test file of the repository.
package guides
