package splitmix_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress/internal/splitmix"
)

// TestVector checks the first outputs for seed 1234567 against the
// reference splitmix64.c (Vigna), as published with the xoshiro
// generators' test data.
func TestVector(t *testing.T) {
	var s splitmix.Source
	s.Seed(1234567)
	want := []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821}
	var got []uint64
	for range want {
		got = append(got, s.Uint64())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestFloat64InRange(t *testing.T) {
	var s splitmix.Source
	for range 10000 {
		if f := s.Float64(); f < 0 || f >= 1 {
			t.Fatalf("Float64() = %v, want [0, 1)", f)
		}
	}
}
