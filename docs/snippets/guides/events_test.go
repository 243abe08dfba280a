package guides_test

// The code docs/events.md shows once its block reads each field with
// "_ =" (a bare selector such as "se.Reason" on a line of its own is not a
// Go statement, so that block cannot compile as it stands).

import (
	"context"
	"errors"
	"testing"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
)

func TestEventsGuideStopError(t *testing.T) {
	errDown := errors.New("down")
	err := redress.Do(context.Background(), func(context.Context) error { return classifier.MarkPermanent(errDown) })

	var se *redress.StopError
	if errors.As(err, &se) {
		_ = se.Reason    // redress.StopReason
		_ = se.Attempts  // attempts made (0 when the breaker rejected the call)
		_ = se.LastClass // class of the last failure
		_ = se.Elapsed   // from the start of the call to the stop
		_ = se.NextDelay // for SCHEDULED: how long to wait before trying again
		_ = se.Err       // the last operation error
	}

	if se == nil || se.Reason != redress.StopNonRetryable || se.Attempts != 1 || se.LastClass != classifier.Permanent || !errors.Is(se.Err, errDown) {
		t.Errorf("StopError = %+v, want NON_RETRYABLE_CLASS after 1 attempt, PERMANENT, wrapping the error", se)
	}
}
