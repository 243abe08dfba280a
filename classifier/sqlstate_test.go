package classifier

import "testing"

func TestSQLState(t *testing.T) {
	tests := []struct {
		give string
		want Class
	}{
		{give: "", want: Unknown},
		{give: "4000", want: Unknown},
		{give: "400011", want: Unknown},
		{give: "40001", want: Concurrency},
		{give: "40P01", want: Concurrency},
		{give: "40002", want: Unknown},
		{give: "08000", want: Transient},
		{give: "08006", want: Transient},
		{give: "08P01", want: Transient},
		{give: "57P01", want: Transient},
		{give: "57P02", want: Transient},
		{give: "57P03", want: Transient},
		{give: "57P04", want: Unknown},
		{give: "57014", want: Unknown},
		{give: "53300", want: Transient},
		{give: "53200", want: Unknown},
		{give: "28000", want: Auth},
		{give: "28P01", want: Auth},
		{give: "42501", want: Permission},
		{give: "42601", want: Permanent},
		{give: "42P01", want: Permanent},
		{give: "23505", want: Permanent},
		{give: "23503", want: Permanent},
		{give: "22012", want: Permanent},
		{give: "22P02", want: Permanent},
		{give: "XX000", want: Unknown},
		{give: "00000", want: Unknown},
		{give: "40p01", want: Unknown}, // lower case is not SQLSTATE
		{give: "08-06", want: Unknown}, // neither is punctuation
		{give: " 4000", want: Unknown}, // nor space
		{give: "4000é", want: Unknown}, // nor non-ASCII
		{give: "2350\x00", want: Unknown},
	}
	for _, tt := range tests {
		if got := SQLState(tt.give); got != tt.want {
			t.Errorf("SQLState(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}

func FuzzSQLState(f *testing.F) {
	for _, code := range []string{"", "4000", "400011", "40001", "40P01", "08006", "08P01", "57P01", "57P04", "53300", "28P01", "42501", "42601", "23505", "22012", "XX000", "40p01"} {
		f.Add(code)
	}
	f.Fuzz(func(t *testing.T, code string) {
		got := SQLState(code)
		if !got.Valid() {
			t.Fatalf("SQLState(%q) = %v, not a valid class", code, got)
		}
		if !validSQLState(code) && got != Unknown {
			t.Fatalf("SQLState(%q) = %v for a malformed code, want UNKNOWN", code, got)
		}
		if got == RateLimit || got == ServerError {
			t.Fatalf("SQLState(%q) = %v, a class no SQLSTATE maps to", code, got)
		}
	})
}
