package redress

import "testing"

// TestEveryStopEventIsTerminal keeps Terminal in step with the stop
// reasons: a new stop reason whose event Terminal does not know fails here.
func TestEveryStopEventIsTerminal(t *testing.T) {
	for reason, name := range stopEvents {
		if !name.Terminal() {
			t.Errorf("%s: event %s is not Terminal", reason, name)
		}
	}
}
