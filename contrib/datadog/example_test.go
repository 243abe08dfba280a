package redressdatadog_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	redressdatadog "github.com/redress-go/redress/contrib/datadog"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// The observer sends through a real DogStatsD client; here the "agent" is
// a UDP socket on loopback that prints what it receives.
func ExampleNew() {
	agent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer agent.Close()
	client, err := statsd.New(agent.LocalAddr().String(),
		statsd.WithoutTelemetry(), statsd.WithoutClientSideAggregation(),
		statsd.WithoutOriginDetection(), statsd.WithWorkersCount(1))
	if err != nil {
		panic(err)
	}
	defer client.Close()

	policy := redress.MustNew(
		redress.WithOperation("users.get"),
		redress.WithObserver(redressdatadog.New(client)),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(500*time.Millisecond))),
		redress.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))), // no real sleeping
	)
	failures := 1
	err = redress.Do(context.Background(), func(context.Context) error {
		if failures > 0 {
			failures--
			return classifier.MarkTransient(errors.New("connection reset"))
		}
		return nil
	}, policy)
	fmt.Println("err:", err)

	_ = client.Flush()
	_ = agent.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 65536)
	for lines := 0; lines < 6; { // the client may have sent more than one packet
		n, _, err := agent.ReadFrom(buf)
		if err != nil {
			panic(err)
		}
		fmt.Print(string(buf[:n]))
		lines += strings.Count(string(buf[:n]), "\n")
	}
	// Output:
	// err: <nil>
	// redress.events:1|c|#event:retry,class:TRANSIENT,operation:users.get
	// redress.retry.sleep_seconds:0.5|d|#class:TRANSIENT,operation:users.get
	// redress.retries:1|c|#operation:users.get,error.class:TRANSIENT
	// redress.events:1|c|#event:success,operation:users.get
	// redress.retry.duration:0.5|d|#operation:users.get
	// redress.retry.success_after_retries:1|c|#operation:users.get,retry.attempt:2
}

// printClient prints what it is asked to send.
type printClient struct{}

func (printClient) Count(name string, v int64, tags []string, _ float64) error {
	fmt.Printf("count %s %d %s\n", name, v, strings.Join(tags, ","))
	return nil
}

func (printClient) Distribution(name string, v float64, tags []string, _ float64) error {
	fmt.Printf("distribution %s %g %s\n", name, v, strings.Join(tags, ","))
	return nil
}

func (printClient) Gauge(name string, v float64, tags []string, _ float64) error {
	fmt.Printf("gauge %s %g %s\n", name, v, strings.Join(tags, ","))
	return nil
}

func (printClient) Histogram(name string, v float64, tags []string, _ float64) error {
	fmt.Printf("histogram %s %g %s\n", name, v, strings.Join(tags, ","))
	return nil
}

var retryEvent = redress.Event{
	Name:      redress.EventRetry,
	Operation: "users.get",
	Attempt:   1,
	Sleep:     1500 * time.Millisecond,
	Class:     classifier.RateLimit,
}

func ExampleWithPrefix() {
	obs := redressdatadog.New(printClient{}, redressdatadog.WithPrefix("payments.redress"))
	obs.Observe(context.Background(), retryEvent)
	// Output:
	// count payments.redress.events 1 event:retry,class:RATE_LIMIT,operation:users.get
	// distribution payments.redress.retry.sleep_seconds 1.5 class:RATE_LIMIT,operation:users.get
	// count payments.redress.retries 1 operation:users.get,error.class:RATE_LIMIT
}

func ExampleWithTags() {
	obs := redressdatadog.New(printClient{}, redressdatadog.WithTags("team:identity", "tier:1"))
	obs.Observe(context.Background(), retryEvent)
	// Output:
	// count redress.events 1 event:retry,class:RATE_LIMIT,operation:users.get,team:identity,tier:1
	// distribution redress.retry.sleep_seconds 1.5 class:RATE_LIMIT,operation:users.get,team:identity,tier:1
	// count redress.retries 1 operation:users.get,error.class:RATE_LIMIT,team:identity,tier:1
}

func ExampleWithHistogram() {
	obs := redressdatadog.New(printClient{}, redressdatadog.WithHistogram(true))
	obs.Observe(context.Background(), retryEvent)
	obs.Observe(context.Background(), redress.Event{
		Name: redress.EventSuccess, Operation: "users.get", Attempt: 2, Elapsed: 1600 * time.Millisecond,
	})
	// Output:
	// count redress.events 1 event:retry,class:RATE_LIMIT,operation:users.get
	// histogram redress.retry.sleep_seconds 1.5 class:RATE_LIMIT,operation:users.get
	// count redress.retries 1 operation:users.get,error.class:RATE_LIMIT
	// count redress.events 1 event:success,operation:users.get
	// histogram redress.retry.duration 1.6 operation:users.get
	// count redress.retry.success_after_retries 1 operation:users.get,retry.attempt:2
}

func ExampleObserver_Observe() {
	obs := redressdatadog.New(printClient{})
	obs.Observe(context.Background(), redress.Event{
		Name:      redress.EventMaxAttemptsExceeded,
		Operation: "users.get",
		Attempt:   6,
		Class:     classifier.ServerError,
		Reason:    redress.StopMaxAttempts,
		Elapsed:   4 * time.Second,
	})
	obs.Observe(context.Background(), redress.Event{
		Name:      redress.EventCircuitOpened,
		Operation: "users.get",
		Class:     classifier.ServerError,
		State:     breaker.Open,
	})
	// Output:
	// count redress.events 1 event:max_attempts_exceeded,class:SERVER_ERROR,operation:users.get,stop_reason:MAX_ATTEMPTS_GLOBAL
	// distribution redress.retry.duration 4 operation:users.get,error.class:SERVER_ERROR,stop_reason:MAX_ATTEMPTS_GLOBAL
	// count redress.events 1 event:circuit_opened,class:SERVER_ERROR,operation:users.get,circuit_state:open
	// gauge redress.circuit.state 2 operation:users.get
}
