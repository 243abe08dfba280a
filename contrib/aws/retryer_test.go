package redressaws_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
	"github.com/redress-go/redress/classifier"
	redressaws "github.com/redress-go/redress/contrib/aws"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// delays records the delays a retryer gives the SDK.
type delays struct {
	aws.RetryerV2
	mu  sync.Mutex
	got []time.Duration
}

func (d *delays) RetryDelay(attempt int, err error) (time.Duration, error) {
	delay, derr := d.RetryerV2.RetryDelay(attempt, err)
	if derr == nil {
		d.mu.Lock()
		d.got = append(d.got, delay)
		d.mu.Unlock()
	}
	return delay, derr
}

func TestThrottleIsRetriedWithThePolicysDelays(t *testing.T) {
	srv := newDynamo(t)
	rec := &delays{RetryerV2: redressaws.NewRetryer(
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond, 2*time.Millisecond, 3*time.Millisecond))),
	)}
	c := srv.client(t, rec)

	srv.play(throttle, throughput, ok)
	if err := listTables(c); err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if got := srv.requests(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
	if diff := cmp.Diff([]time.Duration{time.Millisecond, 2 * time.Millisecond}, rec.got); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
}

func TestThrottleWithStatus400(t *testing.T) {
	// What the SDK returns for DynamoDB's throttle, seen by a client
	// that does not retry.
	srv := newDynamo(t)
	c := srv.client(t, aws.NopRetryer{})
	srv.play(throttle)
	err := listTables(c)
	if err == nil {
		t.Fatal("ListTables succeeded, want the scripted throttle")
	}
	if got := classifier.Default.Classify(err).Class; got != classifier.Permanent {
		t.Errorf("classifier.Default: %v, want PERMANENT (its HTTP status, 400)", got)
	}
	got := redressaws.Classifier.Classify(err)
	want := classifier.Classification{Class: classifier.RateLimit, Details: map[string]string{
		classifier.DetailHTTPStatus: "400",
		classifier.DetailHTTPMethod: "POST",
		classifier.DetailHTTPHost:   srv.srv.Listener.Addr().String(),
		redressaws.DetailErrorCode:  "ThrottlingException",
		redressaws.DetailRequestID:  "REQ00000000",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Classifier (-want +got):\n%s", diff)
	}
}

func TestRetryerStops(t *testing.T) {
	fast := redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond)))
	tests := []struct {
		name      string
		opts      []redress.Option
		script    []reply
		requests  int
		reason    redress.StopReason // of a *redress.StopError, if any
		wantErrIs error
	}{
		{"permanent is not retried", nil, []reply{validation}, 1, "", nil},
		{"condition failed is not retried", nil, []reply{conditionFail}, 1, "", nil},
		{"access denied is not retried", nil, []reply{accessDenied}, 1, "", nil},
		{"bad credentials are not retried", nil, []reply{unrecognized}, 1, "", nil},
		{"policy's max attempts", []redress.Option{redress.WithRetry(retry.WithMaxAttempts(2))},
			[]reply{internal, internal, internal}, 2, "", nil},
		{"server errors until success", nil, []reply{internal, unavailable, ok}, 3, "", nil},
		{"per-class cap", []redress.Option{redress.WithRetry(retry.WithMaxAttemptsFor(classifier.RateLimit, 2))},
			[]reply{throttle, throttle, throttle, ok}, 3, redress.StopMaxAttemptsForClass, nil},
		{"class never retried", []redress.Option{redress.WithRetry(retry.WithMaxAttemptsFor(classifier.ServerError, 0))},
			[]reply{internal, ok}, 1, "", nil},
		{"policy's own classifier wins", []redress.Option{redress.WithClassifier(classifier.Default)},
			[]reply{throttle, ok}, 1, "", nil},
		{"budget exhausted", []redress.Option{redress.WithBudget(budget.New(1, time.Hour))},
			[]reply{internal, internal, internal}, 2, "", budget.ErrExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDynamo(t)
			c := srv.client(t, redressaws.NewRetryer(append([]redress.Option{fast}, tt.opts...)...))
			srv.play(tt.script...)
			err := listTables(c)
			if got := srv.requests(); got != tt.requests {
				t.Errorf("requests = %d, want %d (err: %v)", got, tt.requests, err)
			}
			if tt.wantErrIs != nil && !errors.Is(err, tt.wantErrIs) {
				t.Errorf("err = %v, want one matching %v", err, tt.wantErrIs)
			}
			var se *redress.StopError
			if errors.As(err, &se) != (tt.reason != "") || se != nil && se.Reason != tt.reason {
				t.Errorf("err = %v, want a StopError with reason %q: %v", err, tt.reason, se)
			}
		})
	}
}

func TestBreakerGuardsAttempts(t *testing.T) {
	srv := newDynamo(t)
	br := breaker.New(breaker.WithConsecutiveFailures(2), breaker.WithRecoveryTimeout(time.Hour))
	c := srv.client(t, redressaws.NewRetryer(
		redress.WithBreaker(br),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))),
	))

	srv.play(internal, internal, internal)
	err := listTables(c)
	if !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("err = %v, want one matching breaker.ErrOpen", err)
	}
	if got := srv.requests(); got != 2 {
		t.Errorf("requests = %d, want 2: the breaker opened after two failures", got)
	}

	srv.play()
	if err := listTables(c); !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("next call: err = %v, want one matching breaker.ErrOpen", err)
	}
	if got := srv.requests(); got != 0 {
		t.Errorf("next call reached the server %d times, want 0", got)
	}
}

func TestBreakerCountsSuccess(t *testing.T) {
	srv := newDynamo(t)
	br := breaker.New(breaker.WithConsecutiveFailures(2))
	c := srv.client(t, redressaws.NewRetryer(
		redress.WithBreaker(br),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Millisecond))),
	))
	for range 3 {
		srv.play(internal, ok)
		if err := listTables(c); err != nil {
			t.Fatalf("ListTables: %v", err)
		}
	}
	if br.State() != breaker.Closed {
		t.Errorf("breaker is %v, want closed: every failure was followed by a success", br.State())
	}
}

func TestInvalidOptions(t *testing.T) {
	srv := newDynamo(t)
	r := redressaws.NewRetryer(redress.WithDeadline(-time.Second))
	if !errors.Is(r.Err(), redress.ErrInvalidConfig) {
		t.Errorf("Err() = %v, want one matching redress.ErrInvalidConfig", r.Err())
	}
	c := srv.client(t, r)
	srv.play()
	if err := listTables(c); !errors.Is(err, redress.ErrInvalidConfig) {
		t.Errorf("err = %v, want one matching redress.ErrInvalidConfig", err)
	}
	if got := srv.requests(); got != 0 {
		t.Errorf("the server got %d requests, want 0", got)
	}
}

func TestRetryAfterHeaders(t *testing.T) {
	srv := newDynamo(t)
	c := srv.client(t, aws.NopRetryer{})
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{"none", nil, 0},
		{"x-amz-retry-after", map[string]string{"X-Amz-Retry-After": "1500"}, 1500 * time.Millisecond},
		{"x-amz-retry-after first", map[string]string{"X-Amz-Retry-After": "20", "Retry-After": "7"}, 20 * time.Millisecond},
		{"retry-after", map[string]string{"Retry-After": "7"}, 7 * time.Second},
		{"malformed x-amz-retry-after", map[string]string{"X-Amz-Retry-After": "-5", "Retry-After": "2"}, 2 * time.Second},
		{"capped", map[string]string{"X-Amz-Retry-After": "999999999999999"}, retry.DefaultMaxRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := throttle
			rep.header = tt.header
			srv.play(rep)
			got := redressaws.Classifier.Classify(listTables(c))
			if got.Class != classifier.RateLimit || got.RetryAfter != tt.want {
				t.Errorf("Classify = %v %v, want RATE_LIMIT %v", got.Class, got.RetryAfter, tt.want)
			}
		})
	}
}

func TestUnderExecuteWithNopRetryer(t *testing.T) {
	srv := newDynamo(t)
	c := srv.client(t, aws.NopRetryer{})
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	srv.play(throttle, internal, ok)
	err := redress.Do(t.Context(), func(ctx context.Context) error {
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		return err
	}, redress.WithClassifier(redressaws.Classifier), redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second, 2*time.Second))))
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if got := srv.requests(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clk.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

// TestConcurrentCalls shares one Retryer, breaker and quota among
// concurrent calls, for the race detector. The server throttles the
// first attempt of every call (the SDK numbers attempts in its
// Amz-Sdk-Request header) and answers the second: each call pays 5
// tokens for its retry and gets them back when the retry succeeds.
func TestConcurrentCalls(t *testing.T) {
	var requests atomic.Int64
	srv := newDynamo(t)
	srv.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if strings.HasPrefix(r.Header.Get("Amz-Sdk-Request"), "attempt=1;") {
			w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
			w.WriteHeader(400)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}`))
			return
		}
		w.Write([]byte(`{"TableNames":[]}`))
	})
	quota := budget.NewQuota()
	br := breaker.New()
	c := srv.client(t, redressaws.NewRetryer(
		redress.WithBudget(quota), redress.WithBreaker(br),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(0))),
	))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 8 {
		wg.Go(func() {
			for range 8 {
				if err := listTables(c); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("ListTables: %v", err)
	}
	if got := requests.Load(); got != 128 {
		t.Errorf("requests = %d, want 128 (two per call)", got)
	}
	if q := quota.Remaining(); q != 500 {
		t.Errorf("quota holds %d tokens, want 500: every retry succeeded and was refunded", q)
	}
	if br.State() != breaker.Closed {
		t.Errorf("breaker is %v, want closed: throttling does not trip it", br.State())
	}
}
