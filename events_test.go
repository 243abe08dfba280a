package redress_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
)

func TestEventKinds(t *testing.T) {
	tests := []struct {
		give         redress.Event
		wantTerminal bool
		wantCircuit  bool
		wantClass    bool
	}{
		{redress.Event{Name: redress.EventSuccess, Attempt: 2}, true, false, false},
		{redress.Event{Name: redress.EventRetry, Attempt: 1}, false, false, true},
		{redress.Event{Name: redress.EventHedge, Attempt: 1}, false, false, false},
		{redress.Event{Name: redress.EventMaxAttemptsExceeded, Attempt: 3}, true, false, true},
		{redress.Event{Name: redress.EventPermanentFail, Attempt: 1}, true, false, true},
		{redress.Event{Name: redress.EventAborted, Attempt: 1}, true, false, true},
		{redress.Event{Name: redress.EventScheduled, Attempt: 1}, true, false, true},
		{redress.Event{Name: redress.EventBulkheadRejected, Attempt: 0}, true, false, false},
		{redress.Event{Name: redress.EventThrottled, Attempt: 2}, true, false, true},
		{redress.Event{Name: redress.EventCircuitRejected}, true, true, false},
		{redress.Event{Name: redress.EventCircuitOpened}, false, true, true},
		{redress.Event{Name: redress.EventCircuitHalfOpen}, false, true, false},
		{redress.Event{Name: redress.EventCircuitClosed}, false, true, false},
		{redress.Event{Name: redress.EventFallback, Attempt: 2}, false, false, true},
		{redress.Event{Name: redress.EventFallback}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.give.Name), func(t *testing.T) {
			got := []bool{tt.give.Name.Terminal(), tt.give.Name.Circuit(), tt.give.Classified()}
			want := []bool{tt.wantTerminal, tt.wantCircuit, tt.wantClass}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Terminal, Circuit, Classified (-want +got):\n%s", diff)
			}
		})
	}
}
