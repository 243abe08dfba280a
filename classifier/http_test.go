package classifier

import "testing"

func TestHTTPStatus(t *testing.T) {
	tests := []struct {
		give int
		want Class
	}{
		{give: -1, want: Unknown},
		{give: 0, want: Unknown},
		{give: 99, want: Unknown},
		{give: 100, want: Unknown},
		{give: 200, want: Unknown},
		{give: 204, want: Unknown},
		{give: 302, want: Unknown},
		{give: 399, want: Unknown},
		{give: 400, want: Permanent},
		{give: 401, want: Auth},
		{give: 402, want: Permanent},
		{give: 403, want: Permission},
		{give: 404, want: Permanent},
		{give: 407, want: Permanent},
		{give: 408, want: Transient},
		{give: 409, want: Concurrency},
		{give: 410, want: Permanent},
		{give: 422, want: Permanent},
		{give: 425, want: Transient},
		{give: 429, want: RateLimit},
		{give: 499, want: Permanent},
		{give: 500, want: ServerError},
		{give: 501, want: Permanent},
		{give: 502, want: ServerError},
		{give: 503, want: ServerError},
		{give: 504, want: ServerError},
		{give: 505, want: Permanent},
		{give: 599, want: ServerError},
		{give: 600, want: Unknown},
		{give: 1<<31 - 1, want: Unknown},
	}
	for _, tt := range tests {
		if got := HTTPStatus(tt.give); got != tt.want {
			t.Errorf("HTTPStatus(%d) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

func FuzzHTTPStatus(f *testing.F) {
	for _, code := range []int{-1, 0, 200, 302, 400, 401, 403, 408, 409, 425, 429, 499, 500, 501, 505, 599, 600} {
		f.Add(code)
	}
	f.Fuzz(func(t *testing.T, code int) {
		got := HTTPStatus(code)
		if !got.Valid() {
			t.Fatalf("HTTPStatus(%d) = %v, not a valid class", code, got)
		}
		failure := code >= 400 && code <= 599
		if failure == (got == Unknown) {
			t.Fatalf("HTTPStatus(%d) = %v: 4xx and 5xx must have a class, others must be UNKNOWN", code, got)
		}
		if code >= 500 && code <= 599 && got != ServerError && got != Permanent {
			t.Fatalf("HTTPStatus(%d) = %v, want SERVER_ERROR or PERMANENT for a 5xx", code, got)
		}
	})
}
