package classifier

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMarkers(t *testing.T) {
	tests := []struct {
		name string
		give error
		want Classification
	}{
		{name: "Mark", give: Mark(errPlain, Concurrency), want: Classification{Class: Concurrency}},
		{name: "Mark unknown", give: Mark(errPlain, Unknown), want: Classification{Class: Unknown}},
		{name: "MarkPermanent", give: MarkPermanent(errPlain), want: Classification{Class: Permanent}},
		{name: "MarkTransient", give: MarkTransient(errPlain), want: Classification{Class: Transient}},
		{name: "MarkRateLimited", give: MarkRateLimited(errPlain, 2*time.Second), want: Classification{Class: RateLimit, RetryAfter: 2 * time.Second}},
		{name: "MarkRateLimited unknown delay", give: MarkRateLimited(errPlain, 0), want: Classification{Class: RateLimit}},
		{name: "MarkRateLimited negative delay", give: MarkRateLimited(errPlain, -time.Second), want: Classification{Class: RateLimit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m *MarkedError
			if !errors.As(tt.give, &m) {
				t.Fatalf("%v is not a *MarkedError", tt.give)
			}
			if diff := cmp.Diff(tt.want, m.Classification); diff != "" {
				t.Errorf("classification mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(tt.give, errPlain) {
				t.Errorf("errors.Is(%v, errPlain) = false, want true", tt.give)
			}
			if got := tt.give.Error(); got != errPlain.Error() {
				t.Errorf("Error() = %q, want the original %q", got, errPlain.Error())
			}
		})
	}
}

func TestMarkersKeepTheOriginal(t *testing.T) {
	orig := &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}
	err := MarkPermanent(orig)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe != orig {
		t.Errorf("errors.As(MarkPermanent(orig), &pe) did not reach orig, got %v", pe)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(MarkPermanent(orig), fs.ErrNotExist) = false, want true")
	}
}

func TestMarkNilIsNil(t *testing.T) {
	got := []error{
		Mark(nil, Transient),
		MarkPermanent(nil),
		MarkTransient(nil),
		MarkRateLimited(nil, time.Second),
	}
	if diff := cmp.Diff([]error{nil, nil, nil, nil}, got); diff != "" {
		t.Errorf("markers of nil mismatch (-want +got):\n%s", diff)
	}
}

func TestMarkedErrorWithoutErr(t *testing.T) {
	e := &MarkedError{Classification: Classification{Class: RateLimit}}
	got := []any{e.Error(), e.Unwrap()}
	if diff := cmp.Diff([]any{"RATE_LIMIT", nil}, got); diff != "" {
		t.Errorf("[Error, Unwrap] mismatch (-want +got):\n%s", diff)
	}
}

func TestNilMarkedError(t *testing.T) {
	var e *MarkedError
	got := []any{e.Error(), e.Unwrap(), errors.Is(error(e), errPlain)}
	if diff := cmp.Diff([]any{"<nil>", nil, false}, got); diff != "" {
		t.Errorf("[Error, Unwrap, errors.Is] on nil mismatch (-want +got):\n%s", diff)
	}
}
