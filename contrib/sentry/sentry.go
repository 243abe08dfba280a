// Package redresssentry reports redress events to Sentry through
// github.com/getsentry/sentry-go: retries and breaker state changes become
// breadcrumbs, and a call that fails for good becomes a captured event.
//
//	import redresssentry "github.com/redress-go/redress/contrib/sentry"
//
//	policy := redress.MustNew(
//		redress.WithOperation("users.get"),
//		redress.WithObserver(redresssentry.New(nil)),
//	)
//
// What each event becomes:
//
//   - retry, circuit_opened, circuit_half_open, circuit_closed: a
//     breadcrumb of category "redress";
//   - a terminal failure (the event that ends a call without success:
//     permanent_fail, max_attempts_exceeded, deadline_exceeded,
//     circuit_rejected, throttled, …) whose stop reason WithCaptureReasons selects: a
//     captured event, whose breadcrumbs include the call's retries; by
//     default every reason but ABORTED (the caller gave up) and SCHEDULED
//     (the retry was handed back to a job queue);
//   - any other terminal failure, and any other event (fallback, hedge):
//     a breadcrumb;
//   - success: nothing.
//
// A captured event carries the call's error (the *redress.StopError and
// the operation's error it wraps) as its exception chain, the tags
// operation, class and stop_reason, a "redress" context with the rest of
// the event (attempt, elapsed, …) and the fingerprint
// ["redress", operation, stop_reason, class], so that Sentry makes one
// issue per operation and way of failing rather than one per error text.
// Its level is warning for CIRCUIT_OPEN, BUDGET_EXHAUSTED, BULKHEAD_FULL
// and THROTTLED (redress shedding load, as designed), info for ABORTED and
// SCHEDULED, and error for the rest. A BeforeSend hook on the client can change any of this.
//
// The hub is the one in the call's context (sentry.GetHubFromContext, as
// set by sentry-go's HTTP integrations), else the hub given to New, else
// sentry.CurrentHub(). Give each request or goroutine a hub of its own
// (hub.Clone()) so that breadcrumbs of concurrent calls do not mix.
// Nothing is recorded while the hub has no enabled client.
//
// The observer adds to the hub's scope and hands events to the client; the
// client's transport sends them from its own goroutine, so a call never
// waits on the network (unless the client is configured with a
// synchronous transport).
package redresssentry

import (
	"context"

	"github.com/getsentry/sentry-go"

	"github.com/redress-go/redress"
)

// Category is the category of the breadcrumbs the observer adds.
const Category = "redress"

var _ redress.Observer = (*Observer)(nil)

// Option configures New.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	capture func(redress.StopReason) bool
}

// capturedByDefault selects every terminal failure except those the caller
// or a job queue asked for.
func capturedByDefault(r redress.StopReason) bool {
	return r != redress.StopAborted && r != redress.StopScheduled
}

// WithCaptureReasons sets the stop reasons whose terminal failures are
// captured as Sentry events; a terminal failure with any other reason
// leaves a breadcrumb instead. With no reasons, nothing is captured.
// Default: every stop reason but ABORTED and SCHEDULED; repeating
// replaces.
func WithCaptureReasons(reasons ...redress.StopReason) Option {
	set := make(map[redress.StopReason]bool, len(reasons))
	for _, r := range reasons {
		set[r] = true
	}
	return optionFunc(func(c *config) {
		c.capture = func(r redress.StopReason) bool { return set[r] }
	})
}

// Observer is a redress.Observer that adds Sentry breadcrumbs and captures
// Sentry events; New makes one. It is safe for concurrent use.
type Observer struct {
	hub     *sentry.Hub
	capture func(redress.StopReason) bool
}

// New returns an observer that reports to hub, or to the hub in the call's
// context when it has one (see the package documentation). A nil hub
// means sentry.CurrentHub(), looked up at each event.
func New(hub *sentry.Hub, opts ...Option) *Observer {
	c := config{capture: capturedByDefault}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return &Observer{hub: hub, capture: c.capture}
}

// Observe adds a breadcrumb for e, or captures it as an event, as the
// package documentation describes. ctx is used to find the hub. The
// client's hooks are given e: BeforeSend in the hint's Data (with ctx in
// its Context and e.Err as its OriginalException), BeforeBreadcrumb under
// the hint key "event".
func (o *Observer) Observe(ctx context.Context, e redress.Event) {
	if e.Name == redress.EventSuccess {
		return
	}
	hub := o.hubFor(ctx)
	if hub == nil || !hub.Client().IsEnabled() {
		return
	}
	if terminalFailures[e.Name] && o.capture(e.Reason) {
		hub.CaptureEventWithHint(o.event(hub.Client(), e), &sentry.EventHint{
			Context:           ctx,
			OriginalException: e.Err,
			Data:              e,
		})
		return
	}
	hub.AddBreadcrumb(&sentry.Breadcrumb{
		Type:     "default",
		Category: Category,
		Message:  message(e),
		Level:    level(e),
		Data:     data(e, true),
	}, &sentry.BreadcrumbHint{"event": e})
}

func (o *Observer) hubFor(ctx context.Context) *sentry.Hub {
	if ctx != nil {
		if h := sentry.GetHubFromContext(ctx); h != nil {
			return h
		}
	}
	if o.hub != nil {
		return o.hub
	}
	return sentry.CurrentHub()
}

// event builds the Sentry event of a terminal failure.
func (o *Observer) event(client *sentry.Client, e redress.Event) *sentry.Event {
	var ev *sentry.Event
	if e.Err != nil {
		ev = client.EventFromException(e.Err, level(e))
	} else {
		ev = sentry.NewEvent()
		ev.Level = level(e)
	}
	ev.Message = "redress: " + message(e)
	if e.Operation != "" {
		ev.Tags["operation"] = e.Operation
	}
	class := ""
	if e.Classified() {
		class = e.Class.String()
		ev.Tags["class"] = class
	}
	ev.Tags["stop_reason"] = string(e.Reason)
	ev.Contexts[Category] = data(e, false)
	ev.Fingerprint = []string{"redress", e.Operation, string(e.Reason), class}
	return ev
}

// message is "operation: event", or the event name alone.
func message(e redress.Event) string {
	if e.Operation == "" {
		return string(e.Name)
	}
	return e.Operation + ": " + string(e.Name)
}

// data is the event's fields that apply to it, named as the attributes of
// redress.SlogObserver. Durations are strings such as "250ms".
func data(e redress.Event, withErr bool) map[string]any {
	d := map[string]any{"event": string(e.Name)}
	if e.Operation != "" {
		d["operation"] = e.Operation
	}
	if e.Attempt > 0 {
		d["attempt"] = e.Attempt
	}
	if e.Hedge > 0 {
		d["hedge"] = e.Hedge
	}
	if e.Classified() {
		d["class"] = e.Class.String()
	}
	if e.Name == redress.EventRetry || e.Name == redress.EventScheduled {
		d["sleep"] = e.Sleep.String()
	}
	if e.RetryAfter > 0 {
		d["retry_after"] = e.RetryAfter.String()
	}
	d["elapsed"] = e.Elapsed.String()
	if e.Reason != "" {
		d["stop_reason"] = string(e.Reason)
	}
	if e.Name.Circuit() {
		d["circuit_state"] = e.State.String()
	}
	if withErr && e.Err != nil {
		d["error"] = e.Err.Error()
	}
	if e.Cause != nil {
		d["cause"] = e.Cause.Error()
	}
	return d
}

// terminalFailures are the events that end a call without success, one
// per stop reason. Other events may carry a stop reason too (a fallback
// says which stop it saved the call from) without being one.
var terminalFailures = map[redress.EventName]bool{
	redress.EventPermanentFail:              true,
	redress.EventDeadlineExceeded:           true,
	redress.EventMaxAttemptsExceeded:        true,
	redress.EventMaxUnknownAttemptsExceeded: true,
	redress.EventNoStrategy:                 true,
	redress.EventBudgetExhausted:            true,
	redress.EventScheduled:                  true,
	redress.EventAborted:                    true,
	redress.EventCircuitRejected:            true,
	redress.EventBulkheadRejected:           true,
	redress.EventThrottled:                  true,
}

// level is warning where redress sheds load or a breaker opens, info where
// the caller or a job queue asked for the stop, error where the
// dependency failed, and info for everything else.
func level(e redress.Event) sentry.Level {
	if e.Name == redress.EventCircuitOpened {
		return sentry.LevelWarning
	}
	if !terminalFailures[e.Name] {
		return sentry.LevelInfo
	}
	switch e.Reason {
	case redress.StopCircuitOpen, redress.StopBudgetExhausted, redress.StopBulkheadFull, redress.StopThrottled:
		return sentry.LevelWarning
	case redress.StopAborted, redress.StopScheduled:
		return sentry.LevelInfo
	}
	return sentry.LevelError
}
