package redressdatadog_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressdatadog "github.com/redress-go/redress/contrib/datadog"
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

// script is a sequence of calls made with the options of the observer
// under test.
type script func(opts ...redress.Option)

// twoRetriesThenSuccess fails twice with TRANSIENT, then succeeds.
func twoRetriesThenSuccess(opts ...redress.Option) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	opts = append(opts, redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(100*time.Millisecond, 250*time.Millisecond))))
	_ = redress.Do(context.Background(),
		failing(classifier.MarkTransient(errUpstream), classifier.MarkTransient(errUpstream)), opts...)
}

// permanentFailure fails once with PERMANENT.
func permanentFailure(opts ...redress.Option) {
	opts = append(opts, redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	_ = redress.Do(context.Background(), failing(classifier.MarkPermanent(errUpstream)), opts...)
}

// breakerOpens fails one call, which opens a breaker with a threshold of
// one, then makes a call that the open breaker rejects.
func breakerOpens(opts ...redress.Option) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithFailureThreshold(1), breaker.WithClock(clk))
	opts = append(opts, redress.WithClock(clk), redress.WithBreaker(br),
		redress.WithRetry(retry.WithMaxAttempts(1)))
	_ = redress.Do(context.Background(), failing(classifier.MarkTransient(errUpstream)), opts...)
	_ = redress.Do(context.Background(), failing(), opts...)
}

// deadlineExceeded is rate limited with a Retry-After past the deadline.
func deadlineExceeded(opts ...redress.Option) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	opts = append(opts, redress.WithClock(clk), redress.WithDeadline(time.Second))
	_ = redress.Do(context.Background(), failing(classifier.MarkRateLimited(errUpstream, 2*time.Second)), opts...)
}

// permanentFailureWithFallback fails once with PERMANENT, and a fallback
// saves the call.
func permanentFailureWithFallback(opts ...redress.Option) {
	opts = append(opts, redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))),
		redress.WithFallback(func(context.Context, error) (struct{}, error) {
			return struct{}{}, nil
		}))
	_ = redress.Do(context.Background(), failing(classifier.MarkPermanent(errUpstream)), opts...)
}

// TestObserverSendsPackets runs scripted calls through a real DogStatsD
// client and asserts the exact lines a UDP listener on loopback receives.
func TestObserverSendsPackets(t *testing.T) {
	tests := []struct {
		name string
		give script
		op   string
		opts []redressdatadog.Option
		want []string
	}{
		{
			name: "two retries then success",
			give: twoRetriesThenSuccess,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:retry,class:TRANSIENT,operation:users.get",
				"redress.retry.sleep_seconds:0.1|d|#class:TRANSIENT,operation:users.get",
				"redress.retries:1|c|#operation:users.get,error.class:TRANSIENT",
				"redress.events:1|c|#event:retry,class:TRANSIENT,operation:users.get",
				"redress.retry.sleep_seconds:0.25|d|#class:TRANSIENT,operation:users.get",
				"redress.retries:1|c|#operation:users.get,error.class:TRANSIENT",
				"redress.events:1|c|#event:success,operation:users.get",
				"redress.retry.duration:0.35|d|#operation:users.get",
				"redress.retry.success_after_retries:1|c|#operation:users.get,retry.attempt:3",
			},
		},
		{
			name: "permanent failure",
			give: permanentFailure,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:permanent_fail,class:PERMANENT,operation:users.get,stop_reason:NON_RETRYABLE_CLASS",
				"redress.retry.duration:0|d|#operation:users.get,error.class:PERMANENT,stop_reason:NON_RETRYABLE_CLASS",
			},
		},
		{
			name: "breaker opens then rejects",
			give: breakerOpens,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:max_attempts_exceeded,class:TRANSIENT,operation:users.get,stop_reason:MAX_ATTEMPTS_GLOBAL",
				"redress.retry.duration:0|d|#operation:users.get,error.class:TRANSIENT,stop_reason:MAX_ATTEMPTS_GLOBAL",
				"redress.events:1|c|#event:circuit_opened,class:TRANSIENT,operation:users.get,circuit_state:open",
				"redress.circuit.state:2|g|#operation:users.get",
				"redress.events:1|c|#event:circuit_rejected,operation:users.get,stop_reason:CIRCUIT_OPEN,circuit_state:open",
				"redress.circuit.state:2|g|#operation:users.get",
				"redress.retry.duration:0|d|#operation:users.get,stop_reason:CIRCUIT_OPEN",
			},
		},
		{
			name: "fallback",
			give: permanentFailureWithFallback,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:permanent_fail,class:PERMANENT,operation:users.get,stop_reason:NON_RETRYABLE_CLASS",
				"redress.retry.duration:0|d|#operation:users.get,error.class:PERMANENT,stop_reason:NON_RETRYABLE_CLASS",
				"redress.events:1|c|#event:fallback,class:PERMANENT,operation:users.get,stop_reason:NON_RETRYABLE_CLASS",
			},
		},
		{
			name: "deadline exceeded",
			give: deadlineExceeded,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:deadline_exceeded,class:RATE_LIMIT,operation:users.get,stop_reason:DEADLINE_EXCEEDED",
				"redress.retry.duration:0|d|#operation:users.get,error.class:RATE_LIMIT,stop_reason:DEADLINE_EXCEEDED",
			},
		},
		{
			name: "prefix, tags and histogram",
			give: twoRetriesThenSuccess,
			op:   "orders.list",
			opts: []redressdatadog.Option{
				redressdatadog.WithPrefix("shop"),
				redressdatadog.WithTags("team:core"),
				redressdatadog.WithTags("tier:1"),
				redressdatadog.WithHistogram(true),
			},
			want: []string{
				"shop.events:1|c|#event:retry,class:TRANSIENT,operation:orders.list,team:core,tier:1",
				"shop.retry.sleep_seconds:0.1|h|#class:TRANSIENT,operation:orders.list,team:core,tier:1",
				"shop.retries:1|c|#operation:orders.list,error.class:TRANSIENT,team:core,tier:1",
				"shop.events:1|c|#event:retry,class:TRANSIENT,operation:orders.list,team:core,tier:1",
				"shop.retry.sleep_seconds:0.25|h|#class:TRANSIENT,operation:orders.list,team:core,tier:1",
				"shop.retries:1|c|#operation:orders.list,error.class:TRANSIENT,team:core,tier:1",
				"shop.events:1|c|#event:success,operation:orders.list,team:core,tier:1",
				"shop.retry.duration:0.35|h|#operation:orders.list,team:core,tier:1",
				"shop.retry.success_after_retries:1|c|#operation:orders.list,retry.attempt:3,team:core,tier:1",
			},
		},
		{
			name: "no prefix, no operation",
			give: permanentFailure,
			opts: []redressdatadog.Option{redressdatadog.WithPrefix("")},
			want: []string{
				"events:1|c|#event:permanent_fail,class:PERMANENT,stop_reason:NON_RETRYABLE_CLASS",
				"retry.duration:0|d|#error.class:PERMANENT,stop_reason:NON_RETRYABLE_CLASS",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, client := listen(t)
			tt.give(redress.WithOperation(tt.op), redress.WithObserver(redressdatadog.New(client, tt.opts...)))
			got := receive(t, conn, client)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines received (-want +got):\n%s", diff)
			}
		})
	}
}

// listen returns a UDP listener on loopback and a DogStatsD client that
// sends to it, with nothing of its own added: no telemetry, no
// client-side aggregation, no container ID, no tags from the environment.
// One worker keeps the lines in the order they were sent.
func listen(t *testing.T) (net.PacketConn, *statsd.Client) {
	t.Helper()
	for _, env := range []string{"DD_ENTITY_ID", "DD_ENV", "DD_SERVICE", "DD_VERSION",
		"DD_CARDINALITY", "DATADOG_CARDINALITY", "DD_EXTERNAL_ENV", "DD_ORIGIN_DETECTION_ENABLED"} {
		t.Setenv(env, "")
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client, err := statsd.New(conn.LocalAddr().String(),
		statsd.WithoutTelemetry(),
		statsd.WithoutClientSideAggregation(),
		statsd.WithoutOriginDetection(),
		statsd.WithWorkersCount(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return conn, client
}

// endMarker is sent after the lines under test, so that receive knows
// when it has them all.
const endMarker = "test.end:1|c"

// receive flushes client and returns the lines conn receives before the
// end marker. It reads with a deadline, so a lost packet fails the test
// instead of hanging it.
func receive(t *testing.T, conn net.PacketConn, client *statsd.Client) []string {
	t.Helper()
	if err := client.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := client.Count("test.end", 1, nil, 1); err != nil {
		t.Fatal(err)
	}
	if err := client.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var lines []string
	buf := make([]byte, 65536)
	for range 1000 { // bounded: a test sends a handful of packets
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("reading after %q: %v", lines, err)
		}
		for line := range strings.SplitSeq(strings.TrimSuffix(string(buf[:n]), "\n"), "\n") {
			if line == endMarker {
				return lines
			}
			lines = append(lines, line)
		}
	}
	t.Fatalf("no end marker after %q", lines)
	return nil
}

// sent is one metric handed to a client.
type sent struct {
	Kind  string // count, distribution, histogram or gauge
	Name  string
	Value float64
	Tags  []string
}

// recordingClient keeps every metric it is handed, tags included.
type recordingClient struct{ sent []sent }

func (c *recordingClient) Count(name string, v int64, tags []string, _ float64) error {
	c.sent = append(c.sent, sent{"count", name, float64(v), tags})
	return nil
}

func (c *recordingClient) Distribution(name string, v float64, tags []string, _ float64) error {
	c.sent = append(c.sent, sent{"distribution", name, v, tags})
	return nil
}

func (c *recordingClient) Histogram(name string, v float64, tags []string, _ float64) error {
	c.sent = append(c.sent, sent{"histogram", name, v, tags})
	return nil
}

func (c *recordingClient) Gauge(name string, v float64, tags []string, _ float64) error {
	c.sent = append(c.sent, sent{"gauge", name, v, tags})
	return nil
}

// TestTagsAreNotReused checks that a client may keep the tags it is given
// (as a buffering client does) without later events changing them.
func TestTagsAreNotReused(t *testing.T) {
	c := &recordingClient{}
	obs := redressdatadog.New(c, redressdatadog.WithTags("team:core"))
	obs.Observe(context.Background(), redress.Event{Name: redress.EventRetry, Operation: "a", Class: classifier.Transient,
		Sleep: time.Second})
	obs.Observe(context.Background(), redress.Event{Name: redress.EventSuccess, Operation: "b", Attempt: 2,
		Elapsed: 2 * time.Second})
	want := []sent{
		{"count", "redress.events", 1, []string{"event:retry", "class:TRANSIENT", "operation:a", "team:core"}},
		{"distribution", "redress.retry.sleep_seconds", 1, []string{"class:TRANSIENT", "operation:a", "team:core"}},
		{"count", "redress.retries", 1, []string{"operation:a", "error.class:TRANSIENT", "team:core"}},
		{"count", "redress.events", 1, []string{"event:success", "operation:b", "team:core"}},
		{"distribution", "redress.retry.duration", 2, []string{"operation:b", "team:core"}},
		{"count", "redress.retry.success_after_retries", 1, []string{"operation:b", "retry.attempt:2", "team:core"}},
	}
	if diff := cmp.Diff(want, c.sent); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
}

// TestEventMetrics gives the observer events that the scripted calls do
// not make, and asserts everything it sends for each.
func TestEventMetrics(t *testing.T) {
	tests := []struct {
		name string
		give redress.Event
		want []sent
	}{
		{
			name: "hedge",
			give: redress.Event{Name: redress.EventHedge, Operation: "a", Attempt: 1, Hedge: 1},
			want: []sent{{"count", "redress.events", 1, []string{"event:hedge", "operation:a"}}},
		},
		{
			name: "refused before any attempt",
			give: redress.Event{Name: redress.EventBulkheadRejected, Operation: "a", Reason: redress.StopBulkheadFull,
				Elapsed: time.Millisecond},
			want: []sent{
				{"count", "redress.events", 1, []string{"event:bulkhead_rejected", "operation:a", "stop_reason:BULKHEAD_FULL"}},
				{"distribution", "redress.retry.duration", 0.001, []string{"operation:a", "stop_reason:BULKHEAD_FULL"}},
			},
		},
		{
			name: "refused after attempts",
			give: redress.Event{Name: redress.EventThrottled, Operation: "a", Attempt: 2,
				Class: classifier.ServerError, Reason: redress.StopThrottled, Elapsed: 3 * time.Second},
			want: []sent{
				{"count", "redress.events", 1,
					[]string{"event:throttled", "class:SERVER_ERROR", "operation:a", "stop_reason:THROTTLED"}},
				{"distribution", "redress.retry.duration", 3,
					[]string{"operation:a", "error.class:SERVER_ERROR", "stop_reason:THROTTLED"}},
			},
		},
		{
			name: "success at once",
			give: redress.Event{Name: redress.EventSuccess, Operation: "a", Attempt: 1, Elapsed: 20 * time.Millisecond},
			want: []sent{
				{"count", "redress.events", 1, []string{"event:success", "operation:a"}},
				{"distribution", "redress.retry.duration", 0.02, []string{"operation:a"}},
			},
		},
		{
			name: "half open",
			give: redress.Event{Name: redress.EventCircuitHalfOpen, Operation: "a", State: breaker.HalfOpen},
			want: []sent{
				{"count", "redress.events", 1, []string{"event:circuit_half_open", "operation:a", "circuit_state:half_open"}},
				{"gauge", "redress.circuit.state", 1, []string{"operation:a"}},
			},
		},
		{
			name: "closed",
			give: redress.Event{Name: redress.EventCircuitClosed, State: breaker.Closed},
			want: []sent{
				{"count", "redress.events", 1, []string{"event:circuit_closed", "circuit_state:closed"}},
				{"gauge", "redress.circuit.state", 0, []string{}},
			},
		},
		{
			name: "opened",
			give: redress.Event{Name: redress.EventCircuitOpened, Operation: "a", Class: classifier.Transient,
				State: breaker.Open},
			want: []sent{
				{"count", "redress.events", 1,
					[]string{"event:circuit_opened", "class:TRANSIENT", "operation:a", "circuit_state:open"}},
				{"gauge", "redress.circuit.state", 2, []string{"operation:a"}},
			},
		},
		{
			name: "rejected while half open",
			give: redress.Event{Name: redress.EventCircuitRejected, Operation: "a", State: breaker.HalfOpen,
				Reason: redress.StopCircuitOpen},
			want: []sent{
				{"count", "redress.events", 1,
					[]string{"event:circuit_rejected", "operation:a", "stop_reason:CIRCUIT_OPEN", "circuit_state:half_open"}},
				{"gauge", "redress.circuit.state", 1, []string{"operation:a"}},
				{"distribution", "redress.retry.duration", 0, []string{"operation:a", "stop_reason:CIRCUIT_OPEN"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &recordingClient{}
			redressdatadog.New(c).Observe(context.Background(), tt.give)
			if diff := cmp.Diff(tt.want, c.sent); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
		})
	}
}

// failingClient fails every call, as a closed client does.
type failingClient struct{}

func (failingClient) Count(string, int64, []string, float64) error { return statsd.ErrNoClient }
func (failingClient) Distribution(string, float64, []string, float64) error {
	return statsd.ErrNoClient
}
func (failingClient) Histogram(string, float64, []string, float64) error { return statsd.ErrNoClient }
func (failingClient) Gauge(string, float64, []string, float64) error     { return statsd.ErrNoClient }

// TestClientErrorsDoNotChangeTheResult checks that a call's result is the
// same whether or not the client can send.
func TestClientErrorsDoNotChangeTheResult(t *testing.T) {
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	err := redress.Do(context.Background(), failing(classifier.MarkTransient(errUpstream)),
		redress.WithClock(clk), redress.WithObserver(redressdatadog.New(failingClient{})))
	if err != nil {
		t.Errorf("Do() = %v, want nil", err)
	}
}

func TestNewPanicsOnNilClient(t *testing.T) {
	defer func() {
		got := recover()
		if diff := cmp.Diff("redressdatadog: New called with a nil client", got); diff != "" {
			t.Errorf("panic value (-want +got):\n%s", diff)
		}
	}()
	redressdatadog.New(nil)
	t.Error("New(nil) did not panic")
}

// TestCircuitStateGauge steps a breaker through its states with calls and
// checks the gauges sent by each: open, still open while it rejects, then
// half-open and closed again by a probe that succeeds.
func TestCircuitStateGauge(t *testing.T) {
	c := &recordingClient{}
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	p := redress.MustNew(
		redress.WithOperation("db.query"),
		redress.WithClock(clk),
		redress.WithRetry(retry.WithMaxAttempts(1)),
		redress.WithBreaker(breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1),
			breaker.WithRecoveryTimeout(time.Second))),
		redress.WithObserver(redressdatadog.New(c)),
	)
	steps := []struct {
		name  string
		after time.Duration // advance the clock by this much first
		give  func(context.Context) error
		want  []float64 // the gauges the call sends, in order
	}{
		{name: "a failure opens", give: failing(classifier.MarkTransient(errUpstream)), want: []float64{2}},
		{name: "a call is rejected", give: failing(), want: []float64{2}},
		{name: "a probe succeeds after the recovery timeout", after: time.Second, give: failing(),
			want: []float64{1, 0}},
	}
	for _, st := range steps {
		clk.Advance(st.after)
		c.sent = nil
		_ = redress.Do(context.Background(), st.give, p)
		var got []float64
		for _, s := range c.sent {
			if s.Kind == "gauge" {
				if diff := cmp.Diff([]string{"operation:db.query"}, s.Tags); diff != "" {
					t.Errorf("%s: gauge tags (-want +got):\n%s", st.name, diff)
				}
				if s.Name != "redress.circuit.state" {
					t.Errorf("%s: gauge %q, want redress.circuit.state", st.name, s.Name)
				}
				got = append(got, s.Value)
			}
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("after %s, gauges (-want +got):\n%s", st.name, diff)
		}
	}
}
