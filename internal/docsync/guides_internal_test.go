package docsync

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSlug(t *testing.T) {
	for _, tt := range []struct{ give, want string }{
		{"Retry budgets", "retry-budgets"},
		{"Graceful degradation: retry, then fallback, then a default", "graceful-degradation-retry-then-fallback-then-a-default"},
		{"Server middleware: shedding load", "server-middleware-shedding-load"},
		{"Retry, two failures then success, zero delays", "retry-two-failures-then-success-zero-delays"},
		{"`WithDeadline` and `ctx`", "withdeadline-and-ctx"},
		{"OpenTelemetry metrics: `contrib/otel`", "opentelemetry-metrics-contribotel"},
		{"From [failsafe-go](x.md)", "from-failsafe-go"},
		{"snake_case stays", "snake_case-stays"},
	} {
		if got := Slug(tt.give); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestAnchors(t *testing.T) {
	md := []byte("# Title\n\n## Usage\n\n```sh\n# not a heading\n```\n\n## Usage\n\n### Notes ##\n")
	want := map[string]bool{"title": true, "usage": true, "usage-1": true, "notes": true}
	if diff := cmp.Diff(want, Anchors(md)); diff != "" {
		t.Errorf("Anchors (-want +got):\n%s", diff)
	}
}

func TestLinks(t *testing.T) {
	md := []byte("See [a](a.md) and [b](b.md#x), `[not](code.md)`, and [web](https://example.com).\n\n```go\nx := m[k](y)\n```\n")
	want := []string{"a.md", "b.md#x", "https://example.com"}
	if diff := cmp.Diff(want, Links(md)); diff != "" {
		t.Errorf("Links (-want +got):\n%s", diff)
	}
}

func TestContains(t *testing.T) {
	src := []byte("package p\n\nfunc f() {\n\tx := `\nraw line\n`\n\n\tif x != \"\" {\n\t\treturn\n\t}\n}\n")
	for _, tt := range []struct {
		name  string
		block string
		want  bool
	}{
		{"top level", "func f() {\n", true},
		{"indented once", "if x != \"\" {\n\treturn\n}\n", true},
		{"raw string lines unindented", "x := `\nraw line\n`\n", true},
		{"blank line matches blank line", "x := `\nraw line\n`\n\nif x != \"\" {\n", true},
		{"mixed indentation of one block", "if x != \"\" {\nreturn\n}\n", false},
		{"not in the file", "return 42\n", false},
		{"empty block", "\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Contains(src, tt.block); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.block, got, tt.want)
			}
		})
	}
}

func FuzzSlugAndContains(f *testing.F) {
	f.Add("Retry budgets", "if x {\n\treturn\n}\n")
	f.Add("`a` [b](c)", "\n\n")
	f.Fuzz(func(t *testing.T, heading, block string) {
		_ = Slug(heading)
		_ = Contains([]byte(block), block)
		_ = Anchors([]byte("# " + heading))
		_ = Links([]byte(heading))
	})
}

func TestMatch(t *testing.T) {
	src := []byte("package p\n\nfunc f() {\n\tad := backoff.Adaptive(backoff.Constant(100 * time.Millisecond))\n\tx := g(a,\n\t\tb) // why\n\t_ = x\n}\n")
	for _, tt := range []struct {
		name  string
		block string
		want  bool
	}{
		{"spaces around an operator", "ad := backoff.Adaptive(backoff.Constant(100*time.Millisecond))\n", true},
		{"a call split differently", "x := g(a, b) // why\n", true},
		{"a comment's alignment", "x := g(a,\n\tb)      // why\n", true},
		{"a block cut inside a call", "g(a,\n\tb)", true},
		{"another value", "ad := backoff.Adaptive(backoff.Constant(200 * time.Millisecond))\n", false},
		{"another comment", "x := g(a, b) // how\n", false},
		{"empty", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(Tokens(src), tt.block); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.block, got, tt.want)
			}
		})
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("x := g(a,\n\tb) // why\n", "g(a, b)")
	f.Add("`raw\n", "\"unterminated")
	f.Fuzz(func(t *testing.T, src, block string) {
		if !Match(Tokens([]byte(src)), "") {
			t.Error("the empty block must match")
		}
		if Contains([]byte(block), block) && !Match(Tokens([]byte(block)), block) {
			t.Errorf("a block does not match its own tokens: %q", block)
		}
	})
}
