package docsync_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/redress-go/redress/internal/docsync"
)

// root is the repository's root, seen from this package.
const root = "../.."

// pending lists the pages, relative to root, that are still being
// written: their Go blocks need not be tested yet, their own links are not
// checked, and a link to one that does not exist yet is not broken. A page
// leaves this list once it passes the checks; the test fails while a page
// that passes them is still listed, so that the list only shrinks.
var pending = map[string]bool{}

// guides returns README.md and every page of docs/, relative to root.
func guides(t *testing.T) []string {
	t.Helper()
	out := []string{"README.md"}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	sort.Strings(out)
	return out
}

// testedSources reads every Go file that a module's tests compile and run
// a guide's code from: every _test.go file of the repository, and the other
// Go files of a directory that has tests (a runnable program and its test).
func testedSources(t *testing.T) map[string][]byte {
	t.Helper()
	dirs := map[string]bool{}
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") {
			files = append(files, p)
			if strings.HasSuffix(p, "_test.go") {
				dirs[filepath.Dir(p)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		if !dirs[filepath.Dir(f)] {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// tokenCache holds the tokens of the sources, scanned once per test run.
var tokenCache = map[string][]docsync.Token{}

// tokensOf returns the Go tokens of the file f whose text is src.
func tokensOf(f string, src []byte) []docsync.Token {
	toks, ok := tokenCache[f]
	if !ok {
		toks = docsync.Tokens(src)
		tokenCache[f] = toks
	}
	return toks
}

// problems returns what is wrong with one page: Go blocks no test file
// holds, and links that do not resolve.
func problems(t *testing.T, page string, sources map[string][]byte) []string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, block := range docsync.Blocks(md) {
		found := false
		for _, src := range sources {
			if docsync.Contains(src, block) {
				found = true
				break
			}
		}
		// The same code laid out differently (gofmt run on the test file
		// after the guide was written) is the same code.
		for f := range sources {
			if found {
				break
			}
			found = docsync.Match(tokensOf(f, sources[f]), block)
		}
		if !found {
			out = append(out, "this Go block is in no test file:\n"+block)
		}
	}
	for _, l := range docsync.Links(md) {
		if msg := checkLink(t, page, l); msg != "" {
			out = append(out, msg)
		}
	}
	return out
}

// checkLink returns why the link target l of page does not resolve, or "".
// Links with a scheme (https:, mailto:) are not followed.
func checkLink(t *testing.T, page, l string) string {
	t.Helper()
	if strings.Contains(l, "://") || strings.HasPrefix(l, "mailto:") {
		return ""
	}
	file, frag, _ := strings.Cut(l, "#")
	target := page
	if file != "" {
		target = filepath.ToSlash(filepath.Join(filepath.Dir(page), file))
	}
	b, err := os.ReadFile(filepath.Join(root, target))
	switch {
	case err != nil && pending[target]:
		return "" // not written yet
	case err != nil && isDir(filepath.Join(root, target)):
		if frag != "" {
			return "link " + l + ": a directory has no anchors"
		}
		return ""
	case err != nil:
		return "link " + l + ": " + target + " does not exist"
	}
	if frag == "" || !strings.HasSuffix(target, ".md") {
		return ""
	}
	if !docsync.Anchors(b)[frag] {
		return "link " + l + ": " + target + " has no heading #" + frag
	}
	return ""
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// TestGuides checks every guide: each Go block of README.md and docs/*.md is
// part of a test file (an example, or code a test runs), so that the code
// the reader copies compiles and runs; each relative link and #anchor
// resolves.
func TestGuides(t *testing.T) {
	sources := testedSources(t)
	for _, page := range guides(t) {
		t.Run(page, func(t *testing.T) {
			ps := problems(t, page, sources)
			switch {
			case pending[page] && len(ps) == 0:
				t.Errorf("%s passes every check: remove it from the pending list", page)
			case pending[page]:
				t.Logf("%s is pending; %d problems left", page, len(ps))
				for _, p := range ps {
					t.Logf("%s: %s", page, p)
				}
			default:
				for _, p := range ps {
					t.Errorf("%s: %s", page, p)
				}
			}
		})
	}
}

// TestPendingPagesAreGuides keeps the pending list to guides: an entry that
// names no page of docs/ or README.md is a typo.
func TestPendingPagesAreGuides(t *testing.T) {
	for p := range pending {
		if p != "README.md" && (!strings.HasPrefix(p, "docs/") || strings.Contains(p[len("docs/"):], "/") || !strings.HasSuffix(p, ".md")) {
			t.Errorf("pending entry %q is not README.md or a page of docs/", p)
		}
	}
}

// TestIndexListsEveryGuide keeps docs/README.md, the index of the guides,
// complete: every page of docs/ is linked from it.
func TestIndexListsEveryGuide(t *testing.T) {
	index, err := os.ReadFile(filepath.Join(root, "docs", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, l := range docsync.Links(index) {
		file, _, _ := strings.Cut(l, "#")
		linked[file] = true
	}
	for _, page := range guides(t) {
		name, ok := strings.CutPrefix(page, "docs/")
		if !ok || name == "README.md" {
			continue
		}
		if !linked[name] {
			t.Errorf("docs/README.md does not link to %s", name)
		}
	}
}
