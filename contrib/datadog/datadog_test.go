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
	opts = append(opts, redress.WithFallback(func(context.Context, error) (struct{}, error) {
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
				"redress.events:1|c|#event:retry,class:TRANSIENT,operation:users.get",
				"redress.retry.sleep_seconds:0.25|d|#class:TRANSIENT,operation:users.get",
				"redress.events:1|c|#event:success,operation:users.get",
			},
		},
		{
			name: "permanent failure",
			give: permanentFailure,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:permanent_fail,class:PERMANENT,operation:users.get,stop_reason:NON_RETRYABLE_CLASS",
			},
		},
		{
			name: "breaker opens then rejects",
			give: breakerOpens,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:max_attempts_exceeded,class:TRANSIENT,operation:users.get,stop_reason:MAX_ATTEMPTS_GLOBAL",
				"redress.events:1|c|#event:circuit_opened,class:TRANSIENT,operation:users.get,circuit_state:open",
				"redress.events:1|c|#event:circuit_rejected,operation:users.get,stop_reason:CIRCUIT_OPEN,circuit_state:open",
			},
		},
		{
			name: "fallback",
			give: permanentFailureWithFallback,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:permanent_fail,class:PERMANENT,operation:users.get,stop_reason:NON_RETRYABLE_CLASS",
				"redress.events:1|c|#event:fallback,class:PERMANENT,operation:users.get,stop_reason:NON_RETRYABLE_CLASS",
			},
		},
		{
			name: "deadline exceeded",
			give: deadlineExceeded,
			op:   "users.get",
			want: []string{
				"redress.events:1|c|#event:deadline_exceeded,class:RATE_LIMIT,operation:users.get,stop_reason:DEADLINE_EXCEEDED",
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
				"shop.events:1|c|#event:retry,class:TRANSIENT,operation:orders.list,team:core,tier:1",
				"shop.retry.sleep_seconds:0.25|h|#class:TRANSIENT,operation:orders.list,team:core,tier:1",
				"shop.events:1|c|#event:success,operation:orders.list,team:core,tier:1",
			},
		},
		{
			name: "no prefix, no operation",
			give: permanentFailure,
			opts: []redressdatadog.Option{redressdatadog.WithPrefix("")},
			want: []string{
				"events:1|c|#event:permanent_fail,class:PERMANENT,stop_reason:NON_RETRYABLE_CLASS",
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

// recordingClient keeps every call's tags.
type recordingClient struct{ tags [][]string }

func (c *recordingClient) Count(_ string, _ int64, tags []string, _ float64) error {
	c.tags = append(c.tags, tags)
	return nil
}

func (c *recordingClient) Distribution(_ string, _ float64, tags []string, _ float64) error {
	c.tags = append(c.tags, tags)
	return nil
}

func (c *recordingClient) Histogram(_ string, _ float64, tags []string, _ float64) error {
	c.tags = append(c.tags, tags)
	return nil
}

// TestTagsAreNotReused checks that a client may keep the tags it is given
// (as a buffering client does) without later events changing them.
func TestTagsAreNotReused(t *testing.T) {
	c := &recordingClient{}
	obs := redressdatadog.New(c, redressdatadog.WithTags("team:core"))
	obs.Observe(context.Background(), redress.Event{Name: redress.EventRetry, Operation: "a", Class: classifier.Transient})
	obs.Observe(context.Background(), redress.Event{Name: redress.EventSuccess, Operation: "b"})
	want := [][]string{
		{"event:retry", "class:TRANSIENT", "operation:a", "team:core"},
		{"class:TRANSIENT", "operation:a", "team:core"},
		{"event:success", "operation:b", "team:core"},
	}
	if diff := cmp.Diff(want, c.tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

// TestEventTags gives the observer events that the scripted calls do not
// make, and asserts the tags of the one count each sends.
func TestEventTags(t *testing.T) {
	tests := []struct {
		name string
		give redress.Event
		want []string
	}{
		{
			name: "hedge",
			give: redress.Event{Name: redress.EventHedge, Operation: "a", Attempt: 1, Hedge: 1},
			want: []string{"event:hedge", "operation:a"},
		},
		{
			name: "refused before any attempt",
			give: redress.Event{Name: redress.EventBulkheadRejected, Operation: "a", Reason: redress.StopBulkheadFull},
			want: []string{"event:bulkhead_rejected", "operation:a", "stop_reason:BULKHEAD_FULL"},
		},
		{
			name: "refused after attempts",
			give: redress.Event{Name: redress.EventThrottled, Operation: "a", Attempt: 2,
				Class: classifier.ServerError, Reason: redress.StopThrottled},
			want: []string{"event:throttled", "class:SERVER_ERROR", "operation:a", "stop_reason:THROTTLED"},
		},
		{
			name: "half open",
			give: redress.Event{Name: redress.EventCircuitHalfOpen, Operation: "a", State: breaker.HalfOpen},
			want: []string{"event:circuit_half_open", "operation:a", "circuit_state:half_open"},
		},
		{
			name: "closed",
			give: redress.Event{Name: redress.EventCircuitClosed, State: breaker.Closed},
			want: []string{"event:circuit_closed", "circuit_state:closed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &recordingClient{}
			redressdatadog.New(c).Observe(context.Background(), tt.give)
			if diff := cmp.Diff([][]string{tt.want}, c.tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
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
