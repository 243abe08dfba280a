package classifier

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestClassString(t *testing.T) {
	tests := []struct {
		give Class
		want string
	}{
		{give: Unknown, want: "UNKNOWN"},
		{give: Auth, want: "AUTH"},
		{give: Permission, want: "PERMISSION"},
		{give: Permanent, want: "PERMANENT"},
		{give: Concurrency, want: "CONCURRENCY"},
		{give: RateLimit, want: "RATE_LIMIT"},
		{give: ServerError, want: "SERVER_ERROR"},
		{give: Transient, want: "TRANSIENT"},
		{give: NumClasses, want: "Class(8)"},
		{give: 255, want: "Class(255)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.give.String(); got != tt.want {
				t.Errorf("Class(%d).String() = %q, want %q", uint8(tt.give), got, tt.want)
			}
		})
	}
}

func TestParseClassRoundTrip(t *testing.T) {
	for _, c := range Classes() {
		got, ok := ParseClass(c.String())
		if got != c || !ok {
			t.Errorf("ParseClass(%q) = %v, %v; want %v, true", c.String(), got, ok, c)
		}
	}
}

func TestParseClassRejects(t *testing.T) {
	for _, s := range []string{"", "unknown", "Transient", "Class(8)", "RATE LIMIT"} {
		if c, ok := ParseClass(s); ok || c != Unknown {
			t.Errorf("ParseClass(%q) = %v, %v; want UNKNOWN, false", s, c, ok)
		}
	}
}

func TestClassRetryable(t *testing.T) {
	want := map[Class]bool{
		Unknown: true, Auth: false, Permission: false, Permanent: false,
		Concurrency: true, RateLimit: true, ServerError: true, Transient: true,
		NumClasses: false,
	}
	got := map[Class]bool{}
	for c := range want {
		got[c] = c.Retryable()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Retryable mismatch (-want +got):\n%s", diff)
	}
}

func TestClasses(t *testing.T) {
	want := []Class{Unknown, Auth, Permission, Permanent, Concurrency, RateLimit, ServerError, Transient}
	if diff := cmp.Diff(want, Classes()); diff != "" {
		t.Errorf("Classes() mismatch (-want +got):\n%s", diff)
	}
}

// fixed returns a classifier that always answers c, and counts its calls.
func fixed(c Classification, calls *int) Classifier {
	return Func(func(error) Classification {
		*calls++
		return c
	})
}

func TestChain(t *testing.T) {
	unknownWithDetails := Classification{Details: map[string]string{"k": "v"}}
	transient := Classification{Class: Transient}
	permanent := Classification{Class: Permanent, RetryAfter: time.Second}
	tests := []struct {
		name      string
		give      []Classification
		want      Classification
		wantCalls int
	}{
		{name: "empty", give: nil, want: Classification{}, wantCalls: 0},
		{name: "first decides", give: []Classification{transient, permanent}, want: transient, wantCalls: 1},
		{name: "skips unknown", give: []Classification{{}, permanent, transient}, want: permanent, wantCalls: 2},
		{name: "all unknown gives the last", give: []Classification{{}, unknownWithDetails}, want: unknownWithDetails, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var cs []Classifier
			for _, c := range tt.give {
				cs = append(cs, fixed(c, &calls))
			}
			got := Chain(cs...).Classify(errPlain)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Chain mismatch (-want +got):\n%s", diff)
			}
			if calls != tt.wantCalls {
				t.Errorf("Chain asked %d classifiers, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestChainCopiesItsArguments(t *testing.T) {
	calls := 0
	cs := []Classifier{fixed(Classification{Class: Transient}, &calls)}
	chain := Chain(cs...)
	cs[0] = fixed(Classification{Class: Permanent}, &calls)
	if got := chain.Classify(errPlain).Class; got != Transient {
		t.Errorf("Chain after the caller changed its slice = %v, want TRANSIENT", got)
	}
}

func TestChainWithDefault(t *testing.T) {
	errTeapot := errors.New("teapot")
	mine := Func(func(err error) Classification {
		if errors.Is(err, errTeapot) {
			return Classification{Class: Permanent}
		}
		return Classification{}
	})
	c := Chain(mine, Default)
	got := []Class{c.Classify(errTeapot).Class, c.Classify(MarkTransient(errPlain)).Class, c.Classify(errPlain).Class}
	if diff := cmp.Diff([]Class{Permanent, Transient, Unknown}, got); diff != "" {
		t.Errorf("Chain(mine, Default) mismatch (-want +got):\n%s", diff)
	}
}
