package redresssentry_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"
	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redresssentry "github.com/redress-go/redress/contrib/sentry"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

var errUpstream = errors.New("upstream failed")

// failing returns an operation that fails with the errors given, in order,
// and succeeds once they are used up.
func failing(errs ...error) func(context.Context) error {
	return func(context.Context) error {
		if len(errs) == 0 {
			return nil
		}
		err := errs[0]
		errs = errs[1:]
		return err
	}
}

// script is a sequence of calls made with ctx and the options of the
// observer under test.
type script func(ctx context.Context, opts ...redress.Option)

// twoRetriesThenSuccess fails twice with TRANSIENT, then succeeds.
func twoRetriesThenSuccess(ctx context.Context, opts ...redress.Option) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	opts = append(opts, redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 250*time.Millisecond))))
	_ = redress.Do(ctx, failing(classifier.MarkTransient(errUpstream), classifier.MarkTransient(errUpstream)), opts...)
}

// twoRetriesThenGiveUp fails three times with TRANSIENT, with three
// attempts allowed.
func twoRetriesThenGiveUp(ctx context.Context, opts ...redress.Option) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	opts = append(opts, redress.WithClock(clk), redress.WithRetry(retry.WithMaxAttempts(3),
		retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 250*time.Millisecond))))
	err := classifier.MarkTransient(errUpstream)
	_ = redress.Do(ctx, failing(err, err, err), opts...)
}

// permanentFailure fails once with PERMANENT.
func permanentFailure(ctx context.Context, opts ...redress.Option) {
	opts = append(opts, redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	_ = redress.Do(ctx, failing(classifier.MarkPermanent(errUpstream)), opts...)
}

// breakerOpens fails one call, which opens a breaker with a threshold of
// one, then makes a call that the open breaker rejects.
func breakerOpens(ctx context.Context, opts ...redress.Option) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
	opts = append(opts, redress.WithClock(clk), redress.WithBreaker(br),
		redress.WithRetry(retry.WithMaxAttempts(1)))
	_ = redress.Do(ctx, failing(classifier.MarkTransient(errUpstream)), opts...)
	_ = redress.Do(ctx, failing(), opts...)
}

// abortedThenPermanent makes a call whose caller gives up during the first
// attempt, then a call that fails with PERMANENT.
func abortedThenPermanent(ctx context.Context, opts ...redress.Option) {
	cctx, cancel := context.WithCancel(ctx)
	_ = redress.Do(cctx, func(ctx context.Context) error {
		cancel()
		return ctx.Err()
	}, append(opts, redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))...)
	permanentFailure(ctx, opts...)
}

// permanentFailureWithFallback fails once with PERMANENT, and a fallback
// saves the call.
func permanentFailureWithFallback(ctx context.Context, opts ...redress.Option) {
	permanentFailure(ctx, append(opts, redress.WithFallback(func(context.Context, error) (struct{}, error) {
		return struct{}{}, nil
	}))...)
}

// recorder is a Sentry client whose transport keeps the events sent and
// whose BeforeBreadcrumb hook keeps the breadcrumbs added.
type recorder struct {
	transport   *sentry.MockTransport
	mu          sync.Mutex
	breadcrumbs []*sentry.Breadcrumb
}

func newHub(t *testing.T) (*sentry.Hub, *recorder) {
	t.Helper()
	r := &recorder{transport: &sentry.MockTransport{}}
	client, err := sentry.NewClient(sentry.ClientOptions{
		Transport: r.transport,
		// Only what the observer sends: no environment contexts.
		Integrations: func([]sentry.Integration) []sentry.Integration { return nil },
		BeforeBreadcrumb: func(b *sentry.Breadcrumb, _ *sentry.BreadcrumbHint) *sentry.Breadcrumb {
			r.mu.Lock()
			defer r.mu.Unlock()
			c := *b
			r.breadcrumbs = append(r.breadcrumbs, &c)
			return b
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return sentry.NewHub(client, sentry.NewScope()), r
}

// captured is what the tests assert of a captured Sentry event.
type captured struct {
	Level       sentry.Level
	Message     string
	Tags        map[string]string
	Context     map[string]any
	Fingerprint []string
	Exception   []string // "type: value", innermost first, as Sentry orders them
	Breadcrumbs []string // the messages of the breadcrumbs sent with the event
}

func (r *recorder) events() []captured {
	var got []captured
	for _, e := range r.transport.Events() {
		c := captured{
			Level:       e.Level,
			Message:     e.Message,
			Tags:        e.Tags,
			Context:     e.Contexts[redresssentry.Category],
			Fingerprint: e.Fingerprint,
		}
		for _, x := range e.Exception {
			c.Exception = append(c.Exception, x.Type+": "+x.Value)
		}
		for _, b := range e.Breadcrumbs {
			c.Breadcrumbs = append(c.Breadcrumbs, b.Message)
		}
		got = append(got, c)
	}
	return got
}

func (r *recorder) crumbs() []*sentry.Breadcrumb {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.breadcrumbs
}

const (
	typeStop    = "*redress.StopError"
	typeMarked  = "*classifier.MarkedError"
	typeErr     = "*errors.errorString"
	valUpstream = "upstream failed"
)

func retryCrumb(attempt int, sleep, elapsed string) *sentry.Breadcrumb {
	return &sentry.Breadcrumb{
		Type:     "default",
		Category: "redress",
		Message:  "users.get: retry",
		Level:    sentry.LevelInfo,
		Data: map[string]any{
			"event": "retry", "operation": "users.get", "attempt": attempt, "class": "TRANSIENT",
			"sleep": sleep, "elapsed": elapsed, "error": valUpstream,
		},
	}
}

var circuitOpenedCrumb = &sentry.Breadcrumb{
	Type:     "default",
	Category: "redress",
	Message:  "users.get: circuit_opened",
	Level:    sentry.LevelWarning,
	Data: map[string]any{
		"event": "circuit_opened", "operation": "users.get", "class": "TRANSIENT",
		"elapsed": "0s", "circuit_state": "open",
	},
}

var permanentEvent = captured{
	Level:   sentry.LevelError,
	Message: "redress: users.get: permanent_fail",
	Tags:    map[string]string{"operation": "users.get", "class": "PERMANENT", "stop_reason": "NON_RETRYABLE_CLASS"},
	Context: map[string]any{
		"event": "permanent_fail", "operation": "users.get", "attempt": 1, "class": "PERMANENT",
		"elapsed": "0s", "stop_reason": "NON_RETRYABLE_CLASS",
	},
	Fingerprint: []string{"redress", "users.get", "NON_RETRYABLE_CLASS", "PERMANENT"},
	Exception: []string{
		typeErr + ": " + valUpstream,
		typeMarked + ": " + valUpstream,
		typeStop + ": redress: users.get: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): upstream failed",
	},
}

// TestObserver runs scripted calls and asserts the exact breadcrumbs
// added and events captured.
func TestObserver(t *testing.T) {
	tests := []struct {
		name            string
		give            script
		opts            []redresssentry.Option
		wantBreadcrumbs []*sentry.Breadcrumb
		wantEvents      []captured
	}{
		{
			name:            "two retries then success",
			give:            twoRetriesThenSuccess,
			wantBreadcrumbs: []*sentry.Breadcrumb{retryCrumb(1, "100ms", "0s"), retryCrumb(2, "250ms", "100ms")},
		},
		{
			name:            "two retries then give up",
			give:            twoRetriesThenGiveUp,
			wantBreadcrumbs: []*sentry.Breadcrumb{retryCrumb(1, "100ms", "0s"), retryCrumb(2, "250ms", "100ms")},
			wantEvents: []captured{{
				Level:   sentry.LevelError,
				Message: "redress: users.get: max_attempts_exceeded",
				Tags:    map[string]string{"operation": "users.get", "class": "TRANSIENT", "stop_reason": "MAX_ATTEMPTS_GLOBAL"},
				Context: map[string]any{
					"event": "max_attempts_exceeded", "operation": "users.get", "attempt": 3, "class": "TRANSIENT",
					"elapsed": "350ms", "stop_reason": "MAX_ATTEMPTS_GLOBAL",
				},
				Fingerprint: []string{"redress", "users.get", "MAX_ATTEMPTS_GLOBAL", "TRANSIENT"},
				Exception: []string{
					typeErr + ": " + valUpstream,
					typeMarked + ": " + valUpstream,
					typeStop + ": redress: users.get: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (TRANSIENT): upstream failed",
				},
				Breadcrumbs: []string{"users.get: retry", "users.get: retry"},
			}},
		},
		{
			name:       "permanent failure",
			give:       permanentFailure,
			wantEvents: []captured{permanentEvent},
		},
		{
			name: "fallback",
			give: permanentFailureWithFallback,
			wantBreadcrumbs: []*sentry.Breadcrumb{{
				Type:     "default",
				Category: "redress",
				Message:  "users.get: fallback",
				Level:    sentry.LevelInfo,
				Data: map[string]any{
					"event": "fallback", "operation": "users.get", "attempt": 1, "class": "PERMANENT",
					"elapsed": "0s", "stop_reason": "NON_RETRYABLE_CLASS",
					"error": "redress: users.get: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): upstream failed",
				},
			}},
			wantEvents: []captured{permanentEvent},
		},
		{
			name:            "breaker opens then rejects",
			give:            breakerOpens,
			wantBreadcrumbs: []*sentry.Breadcrumb{circuitOpenedCrumb},
			wantEvents: []captured{
				{
					Level:   sentry.LevelError,
					Message: "redress: users.get: max_attempts_exceeded",
					Tags:    map[string]string{"operation": "users.get", "class": "TRANSIENT", "stop_reason": "MAX_ATTEMPTS_GLOBAL"},
					Context: map[string]any{
						"event": "max_attempts_exceeded", "operation": "users.get", "attempt": 1, "class": "TRANSIENT",
						"elapsed": "0s", "stop_reason": "MAX_ATTEMPTS_GLOBAL",
					},
					Fingerprint: []string{"redress", "users.get", "MAX_ATTEMPTS_GLOBAL", "TRANSIENT"},
					Exception: []string{
						typeErr + ": " + valUpstream,
						typeMarked + ": " + valUpstream,
						typeStop + ": redress: users.get: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): upstream failed",
					},
				},
				{
					Level:   sentry.LevelWarning,
					Message: "redress: users.get: circuit_rejected",
					Tags:    map[string]string{"operation": "users.get", "stop_reason": "CIRCUIT_OPEN"},
					Context: map[string]any{
						"event": "circuit_rejected", "operation": "users.get", "elapsed": "0s",
						"stop_reason": "CIRCUIT_OPEN", "circuit_state": "open",
						"cause": "breaker: circuit open, retry in 30s",
					},
					Fingerprint: []string{"redress", "users.get", "CIRCUIT_OPEN", ""},
					Exception: []string{
						"*breaker.OpenError: breaker: circuit open, retry in 30s",
						typeStop + ": redress: users.get: CIRCUIT_OPEN after 0 attempts: breaker: circuit open, retry in 30s",
					},
					Breadcrumbs: []string{"users.get: circuit_opened"},
				},
			},
		},
		{
			name: "aborted leaves a breadcrumb",
			give: abortedThenPermanent,
			wantBreadcrumbs: []*sentry.Breadcrumb{{
				Type:     "default",
				Category: "redress",
				Message:  "users.get: aborted",
				Level:    sentry.LevelInfo,
				Data: map[string]any{
					"event": "aborted", "operation": "users.get", "attempt": 1, "class": "UNKNOWN",
					"elapsed": "0s", "stop_reason": "ABORTED",
					"error": "redress: users.get: ABORTED after 1 attempt: last error (UNKNOWN): context canceled",
				},
			}},
			wantEvents: []captured{func() captured {
				c := permanentEvent
				c.Breadcrumbs = []string{"users.get: aborted"}
				return c
			}()},
		},
		{
			name: "capture reasons replace the default",
			give: abortedThenPermanent,
			opts: []redresssentry.Option{
				redresssentry.WithCaptureReasons(redress.StopMaxAttempts),
				redresssentry.WithCaptureReasons(redress.StopAborted),
			},
			wantBreadcrumbs: []*sentry.Breadcrumb{{
				Type:     "default",
				Category: "redress",
				Message:  "users.get: permanent_fail",
				Level:    sentry.LevelError,
				Data: map[string]any{
					"event": "permanent_fail", "operation": "users.get", "attempt": 1, "class": "PERMANENT",
					"elapsed": "0s", "stop_reason": "NON_RETRYABLE_CLASS",
					"error": "redress: users.get: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): upstream failed",
				},
			}},
			wantEvents: []captured{{
				Level:   sentry.LevelInfo,
				Message: "redress: users.get: aborted",
				Tags:    map[string]string{"operation": "users.get", "class": "UNKNOWN", "stop_reason": "ABORTED"},
				Context: map[string]any{
					"event": "aborted", "operation": "users.get", "attempt": 1, "class": "UNKNOWN",
					"elapsed": "0s", "stop_reason": "ABORTED",
				},
				Fingerprint: []string{"redress", "users.get", "ABORTED", "UNKNOWN"},
				Exception: []string{
					typeErr + ": context canceled",
					typeStop + ": redress: users.get: ABORTED after 1 attempt: last error (UNKNOWN): context canceled",
				},
			}},
		},
		{
			name: "no capture reasons",
			give: breakerOpens,
			opts: []redresssentry.Option{redresssentry.WithCaptureReasons()},
			wantBreadcrumbs: []*sentry.Breadcrumb{
				{
					Type:     "default",
					Category: "redress",
					Message:  "users.get: max_attempts_exceeded",
					Level:    sentry.LevelError,
					Data: map[string]any{
						"event": "max_attempts_exceeded", "operation": "users.get", "attempt": 1, "class": "TRANSIENT",
						"elapsed": "0s", "stop_reason": "MAX_ATTEMPTS_GLOBAL",
						"error": "redress: users.get: MAX_ATTEMPTS_GLOBAL after 1 attempt: last error (TRANSIENT): upstream failed",
					},
				},
				circuitOpenedCrumb,
				{
					Type:     "default",
					Category: "redress",
					Message:  "users.get: circuit_rejected",
					Level:    sentry.LevelWarning,
					Data: map[string]any{
						"event": "circuit_rejected", "operation": "users.get", "elapsed": "0s",
						"stop_reason": "CIRCUIT_OPEN", "circuit_state": "open",
						"error": "redress: users.get: CIRCUIT_OPEN after 0 attempts: breaker: circuit open, retry in 30s",
						"cause": "breaker: circuit open, retry in 30s",
					},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub, rec := newHub(t)
			tt.give(context.Background(), redress.WithOperation("users.get"),
				redress.WithObserver(redresssentry.New(hub, tt.opts...)))
			if diff := cmp.Diff(tt.wantBreadcrumbs, rec.crumbs()); diff != "" {
				t.Errorf("breadcrumbs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEvents, rec.events()); diff != "" {
				t.Errorf("captured events (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHubChoice checks which hub the observer reports to.
func TestHubChoice(t *testing.T) {
	given, givenRec := newHub(t)
	inCtx, inCtxRec := newHub(t)
	current, currentRec := newHub(t)
	defer sentry.CurrentHub().BindClient(sentry.CurrentHub().Client())
	sentry.CurrentHub().BindClient(current.Client())

	tests := []struct {
		name string
		hub  *sentry.Hub
		ctx  context.Context
		want [3]int // events captured by given, inCtx and current
	}{
		{name: "given hub", hub: given, ctx: context.Background(), want: [3]int{1, 0, 0}},
		{name: "hub in the context wins", hub: given, ctx: sentry.SetHubOnContext(context.Background(), inCtx), want: [3]int{1, 1, 0}},
		{name: "nil hub is the current hub", ctx: context.Background(), want: [3]int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			permanentFailure(tt.ctx, redress.WithObserver(redresssentry.New(tt.hub)))
			got := [3]int{len(givenRec.events()), len(inCtxRec.events()), len(currentRec.events())}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events per hub (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDisabledHub checks that a hub without a client records nothing and
// does not fail.
func TestDisabledHub(t *testing.T) {
	hub := sentry.NewHub(nil, sentry.NewScope())
	breakerOpens(context.Background(), redress.WithObserver(redresssentry.New(hub)))
	if got := hub.LastEventID(); got != "" {
		t.Errorf("LastEventID() = %q, want none", got)
	}
}

// TestHint checks that the client's BeforeSend hook is given the call's
// context and the redress event.
func TestHint(t *testing.T) {
	type key struct{}
	var got []string
	client, err := sentry.NewClient(sentry.ClientOptions{
		Transport:    &sentry.MockTransport{},
		Integrations: func([]sentry.Integration) []sentry.Integration { return nil },
		BeforeSend: func(e *sentry.Event, hint *sentry.EventHint) *sentry.Event {
			re, _ := hint.Data.(redress.Event)
			v, _ := hint.Context.Value(key{}).(string)
			got = append(got, string(re.Reason), v, hint.OriginalException.Error())
			return e
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	ctx := context.WithValue(context.Background(), key{}, "request-1")
	permanentFailure(ctx, redress.WithObserver(redresssentry.New(sentry.NewHub(client, sentry.NewScope()))))
	want := []string{"NON_RETRYABLE_CLASS", "request-1",
		"redress: NON_RETRYABLE_CLASS after 1 attempt: last error (PERMANENT): upstream failed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hint (-want +got):\n%s", diff)
	}
}

// TestEvents gives the observer events that the scripted calls do not
// make, and asserts what it records of each.
func TestEvents(t *testing.T) {
	tests := []struct {
		name            string
		give            redress.Event
		wantBreadcrumbs []*sentry.Breadcrumb
		wantEvents      []captured
	}{
		{
			name: "hedge",
			give: redress.Event{Name: redress.EventHedge, Operation: "a", Attempt: 1, Hedge: 2, Elapsed: time.Second},
			wantBreadcrumbs: []*sentry.Breadcrumb{{
				Type: "default", Category: "redress", Message: "a: hedge", Level: sentry.LevelInfo,
				Data: map[string]any{"event": "hedge", "operation": "a", "attempt": 1, "hedge": 2, "elapsed": "1s"},
			}},
		},
		{
			name: "half open",
			give: redress.Event{Name: redress.EventCircuitHalfOpen, State: breaker.HalfOpen},
			wantBreadcrumbs: []*sentry.Breadcrumb{{
				Type: "default", Category: "redress", Message: "circuit_half_open", Level: sentry.LevelInfo,
				Data: map[string]any{"event": "circuit_half_open", "elapsed": "0s", "circuit_state": "half_open"},
			}},
		},
		{
			name: "refused before any attempt",
			give: redress.Event{Name: redress.EventBulkheadRejected, Operation: "a", Reason: redress.StopBulkheadFull,
				Elapsed: 2 * time.Millisecond},
			wantEvents: []captured{{
				Level:       sentry.LevelWarning,
				Message:     "redress: a: bulkhead_rejected",
				Tags:        map[string]string{"operation": "a", "stop_reason": "BULKHEAD_FULL"},
				Context:     map[string]any{"event": "bulkhead_rejected", "operation": "a", "elapsed": "2ms", "stop_reason": "BULKHEAD_FULL"},
				Fingerprint: []string{"redress", "a", "BULKHEAD_FULL", ""},
			}},
		},
		{
			name: "refused after attempts",
			give: redress.Event{Name: redress.EventThrottled, Attempt: 2, Class: classifier.RateLimit,
				RetryAfter: 3 * time.Second, Reason: redress.StopThrottled, Cause: errUpstream},
			wantEvents: []captured{{
				Level:   sentry.LevelWarning,
				Message: "redress: throttled",
				Tags:    map[string]string{"class": "RATE_LIMIT", "stop_reason": "THROTTLED"},
				Context: map[string]any{"event": "throttled", "attempt": 2, "class": "RATE_LIMIT",
					"retry_after": "3s", "elapsed": "0s", "stop_reason": "THROTTLED", "cause": valUpstream},
				Fingerprint: []string{"redress", "", "THROTTLED", "RATE_LIMIT"},
			}},
		},
		{
			// An event with a stop reason that is not a terminal failure.
			name: "fallback that failed",
			give: redress.Event{Name: redress.EventFallback, Operation: "a", Attempt: 2, Class: classifier.Transient,
				Reason: redress.StopMaxAttempts, Cause: errUpstream},
			wantBreadcrumbs: []*sentry.Breadcrumb{{
				Type: "default", Category: "redress", Message: "a: fallback", Level: sentry.LevelInfo,
				Data: map[string]any{"event": "fallback", "operation": "a", "attempt": 2, "class": "TRANSIENT",
					"elapsed": "0s", "stop_reason": "MAX_ATTEMPTS_GLOBAL", "cause": valUpstream},
			}},
		},
		{
			name: "success",
			give: redress.Event{Name: redress.EventSuccess, Operation: "a", Attempt: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub, rec := newHub(t)
			redresssentry.New(hub).Observe(context.Background(), tt.give)
			if diff := cmp.Diff(tt.wantBreadcrumbs, rec.crumbs()); diff != "" {
				t.Errorf("breadcrumbs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEvents, rec.events()); diff != "" {
				t.Errorf("captured events (-want +got):\n%s", diff)
			}
		})
	}
}
