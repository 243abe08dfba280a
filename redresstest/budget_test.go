package redresstest_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/redresstest"
)

func TestBudgetGrantsThenDenies(t *testing.T) {
	errStore := errors.New("store down")
	type answer struct {
		OK  bool
		Err error
	}
	tests := []struct {
		name string
		give int
		err  error
		want []answer // of three asks
	}{
		{"grants n", 2, nil, []answer{{OK: true}, {OK: true}, {}}},
		{"zero denies", 0, nil, []answer{{}, {}, {}}},
		{"negative is zero", -1, nil, []answer{{}, {}, {}}},
		{"an error fails every ask", 5, errStore, []answer{{Err: errStore}, {Err: errStore}, {Err: errStore}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := redresstest.NewBudget(tt.give)
			b.SetErr(tt.err)
			var got []answer
			granted := 0
			for range 3 {
				ok, err := b.AllowRetry(t.Context())
				got = append(got, answer{ok, err})
				if ok {
					granted++
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
				t.Errorf("answers (-want +got):\n%s", diff)
			}
			if b.Granted() != granted || b.Denied() != 3-granted {
				t.Errorf("Granted(), Denied() = %d, %d; want %d, %d", b.Granted(), b.Denied(), granted, 3-granted)
			}
			if want := max(tt.give, 0) - granted; b.Remaining() != want {
				t.Errorf("Remaining() = %d, want %d", b.Remaining(), want)
			}
		})
	}
}

func TestBudgetSetErrIsUndone(t *testing.T) {
	b := redresstest.NewBudget(1)
	b.SetErr(errors.New("store down"))
	if ok, err := b.AllowRetry(t.Context()); ok || err == nil {
		t.Fatalf("AllowRetry with an error = %v, %v; want false and the error", ok, err)
	}
	b.SetErr(nil)
	if ok, err := b.AllowRetry(t.Context()); !ok || err != nil {
		t.Errorf("AllowRetry after SetErr(nil) = %v, %v; want true, nil", ok, err)
	}
}

// TestBudgetInThePipeline checks what Execute asks and tells the fake.
func TestBudgetInThePipeline(t *testing.T) {
	errStore := errors.New("store down")
	tests := []struct {
		name         string
		give         int
		err          error
		op           *redresstest.Script[int]
		wantErr      error
		wantCalls    int
		wantRequests int
		wantOutcomes []bool
		wantGranted  int
	}{
		{"retries granted, then success", 5, nil, redresstest.FailTimes(2, errTransient, 1), nil, 3, 1, []bool{false, false, true}, 2},
		{"runs out", 1, nil, redresstest.AlwaysFail[int](errTransient), budget.ErrExhausted, 2, 1, []bool{false, false}, 1},
		{"fails closed", 5, errStore, redresstest.AlwaysFail[int](errTransient), errStore, 1, 1, []bool{false}, 0},
		{"non-retryable failure is not learnt", 5, nil, redresstest.AlwaysFail[int](errPermanent), errPermanent, 1, 1, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := redresstest.NewBudget(tt.give)
			b.SetErr(tt.err)
			_, err := redress.Execute(t.Context(), tt.op.Call, redresstest.InstantRetries(), redress.WithBudget(b))
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			got := []int{tt.op.Calls(), b.Requests(), b.Granted()}
			if diff := cmp.Diff([]int{tt.wantCalls, tt.wantRequests, tt.wantGranted}, got); diff != "" {
				t.Errorf("calls, requests, granted (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantOutcomes, b.Outcomes()); diff != "" {
				t.Errorf("Outcomes() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBudgetConcurrent never grants more than it holds.
func TestBudgetConcurrent(t *testing.T) {
	b := redresstest.NewBudget(10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 50 {
		wg.Go(func() {
			b.RecordRequest()
			if ok, _ := b.AllowRetry(context.Background()); ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
			b.RecordOutcome(true)
		})
	}
	wg.Wait()
	got := []int{granted, b.Granted(), b.Denied(), b.Requests(), len(b.Outcomes())}
	if diff := cmp.Diff([]int{10, 10, 40, 50, 50}, got); diff != "" {
		t.Errorf("granted, Granted, Denied, Requests, len(Outcomes) (-want +got):\n%s", diff)
	}
}
