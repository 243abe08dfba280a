package docsync

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Blocks returns the Go blocks of a Markdown page: the text between a line
// "```go" and the next line "```", each ending with a newline.
func Blocks(md []byte) []string {
	var out []string
	for _, b := range goBlock.FindAllSubmatch(md, -1) {
		out = append(out, string(b[1]))
	}
	return out
}

// Contains reports whether the Go file src holds block as consecutive lines,
// each indented by the same run of tabs (none, or the indentation of the
// function or call the block was cut from) or, for the lines of a raw
// string, not at all. Blank lines match blank lines.
func Contains(src []byte, block string) bool {
	want := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	if len(want) == 0 || strings.TrimSpace(block) == "" {
		return true
	}
	lines := strings.Split(string(src), "\n")
	first := want[0]
	for i := 0; i+len(want) <= len(lines); i++ {
		line := lines[i]
		if !strings.HasSuffix(line, first) {
			continue
		}
		indent := line[:len(line)-len(first)]
		if strings.Trim(indent, "\t") != "" {
			continue
		}
		if matchAt(lines[i:], want, indent) {
			return true
		}
	}
	return false
}

func matchAt(lines, want []string, indent string) bool {
	for j, w := range want {
		if w == "" {
			if strings.TrimSpace(lines[j]) != "" {
				return false
			}
			continue
		}
		if lines[j] != indent+w && lines[j] != w {
			return false
		}
	}
	return true
}

// link matches an inline Markdown link's target: [text](target).
var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// fence matches a fenced block of any language, whose links are code.
var fence = regexp.MustCompile("(?ms)^```.*?^```")

// inlineCode matches a code span, whose brackets are code too.
var inlineCode = regexp.MustCompile("`[^`\n]*`")

// Links returns the targets of a page's inline links, outside code.
func Links(md []byte) []string {
	md = fence.ReplaceAll(md, nil)
	md = inlineCode.ReplaceAll(md, nil)
	var out []string
	for _, m := range link.FindAllSubmatch(md, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

// heading matches an ATX heading outside code.
var heading = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t#]*$`)

// Anchors returns the fragment identifiers GitHub gives a page's headings:
// the heading's text in lower case, without punctuation other than hyphens
// and underscores, spaces made hyphens; a repeated one gets "-1", "-2", ….
func Anchors(md []byte) map[string]bool {
	md = fence.ReplaceAll(md, nil)
	out := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllSubmatch(md, -1) {
		s := Slug(string(m[1]))
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// mdLink removes a heading's link syntax, keeping the text.
var mdLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// Slug turns a heading's text into its anchor, as GitHub does.
func Slug(h string) string {
	h = mdLink.ReplaceAllString(h, "$1")
	var b bytes.Buffer
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
