// Package docsync keeps a guide's code honest: every Go block of a
// Markdown page must be an excerpt of a test file, whose tests run it.
// It is for the project's own tests.
package docsync

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

// goBlock matches a Go code block of a Markdown file.
var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// Check fails t unless every Go block of the Markdown file guide appears in
// the Go file source: verbatim at the top level or indented (inside a test
// function), or with the same Go tokens in another layout (see Match).
func Check(t testing.TB, guide, source string) {
	t.Helper()
	md, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(source)
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlock.FindAllSubmatch(md, -1)
	if len(blocks) == 0 {
		t.Fatalf("%s has no Go blocks", guide)
	}
	for _, b := range blocks {
		indented := "\t" + strings.ReplaceAll(strings.TrimSuffix(string(b[1]), "\n"), "\n", "\n\t") + "\n"
		if !bytes.Contains(src, b[1]) && !bytes.Contains(src, []byte(indented)) &&
			!Contains(src, string(b[1])) && !Match(Tokens(src), string(b[1])) {
			t.Errorf("this block of %s is not in %s:\n%s", guide, source, b[1])
		}
	}
}
