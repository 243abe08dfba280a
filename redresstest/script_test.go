package redresstest_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/redress-go/redress/redresstest"
)

func TestScripts(t *testing.T) {
	type result struct {
		V   string
		Err error
	}
	ok := result{V: "ok"}
	tests := []struct {
		name string
		give *redresstest.Script[string]
		want []result // of four calls
	}{
		{"FailThen plays errors in order", redresstest.FailThen("ok", errTransient, errServer), []result{{Err: errTransient}, {Err: errServer}, ok, ok}},
		{"FailThen without errors succeeds", redresstest.FailThen("ok"), []result{ok, ok, ok, ok}},
		{"FailTimes", redresstest.FailTimes(3, errTransient, "ok"), []result{{Err: errTransient}, {Err: errTransient}, {Err: errTransient}, ok}},
		{"FailTimes zero", redresstest.FailTimes(0, errTransient, "ok"), []result{ok, ok, ok, ok}},
		{"FailTimes negative", redresstest.FailTimes(-2, errTransient, "ok"), []result{ok, ok, ok, ok}},
		{"AlwaysFail", redresstest.AlwaysFail[string](errPermanent), []result{{Err: errPermanent}, {Err: errPermanent}, {Err: errPermanent}, {Err: errPermanent}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []result
			for range 4 {
				v, err := tt.give.Call(t.Context())
				got = append(got, result{v, err})
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if got := tt.give.Calls(); got != 4 {
				t.Errorf("Calls() = %d, want 4", got)
			}
		})
	}
}

func TestScriptDo(t *testing.T) {
	s := redresstest.FailTimes(1, errTransient, struct{}{})
	got := []error{s.Do(t.Context()), s.Do(t.Context())}
	if diff := cmp.Diff([]error{errTransient, nil}, got, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Do results (-want +got):\n%s", diff)
	}
	if got := s.Calls(); got != 2 {
		t.Errorf("Calls() = %d, want 2", got)
	}
}

// TestScriptConcurrent hands each error to exactly one caller.
func TestScriptConcurrent(t *testing.T) {
	const n = 100
	s := redresstest.FailTimes(n/2, errTransient, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range n {
		wg.Go(func() {
			if _, err := s.Call(t.Context()); err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed != n/2 || s.Calls() != n {
		t.Errorf("failed %d of %d calls, want %d of %d", failed, s.Calls(), n/2, n)
	}
}
