package budget

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redress-go/redress/classifier"
)

// The failures the tests script, one letter each: E a server error, T
// throttling, O an attempt timeout, P a permanent failure; S a success.
var (
	errServer    = errors.New("503 service unavailable")
	errThrottled = errors.New("429 too many requests")
	errPermanent = errors.New("400 bad request")
	errTimedOut  = fmt.Errorf("%w: read tcp: i/o timeout", classifier.ErrAttemptTimeout)
)

func scripted(k byte) (error, classifier.Classification) {
	switch k {
	case 'E':
		return errServer, classifier.Classification{Class: classifier.ServerError}
	case 'T':
		return errThrottled, classifier.Classification{Class: classifier.RateLimit}
	case 'O':
		return errTimedOut, classifier.Classification{Class: classifier.Transient}
	case 'P':
		return errPermanent, classifier.Classification{Class: classifier.Permanent}
	}
	return nil, classifier.Classification{}
}

// runCall drives b through one call whose attempts end as script says
// (attempts past its end succeed), the way the redress pipeline and the
// AWS SDK's retry middleware do: at most maxAttempts attempts; a failure
// that may not be retried, or the last attempt's, ends the call without
// asking; every retry is asked for with the failure before it; a success
// is reported with the failure before the last retry. It returns the
// attempts made.
func runCall(t *testing.T, b ClassAware, maxAttempts int, script string) int {
	t.Helper()
	var (
		last    classifier.Classification
		lastErr error
	)
	for n := 1; ; n++ {
		k := byte('S')
		if n <= len(script) {
			k = script[n-1]
		}
		err, c := scripted(k)
		if err == nil {
			b.RecordSuccess(n > 1, last, lastErr)
			return n
		}
		if !c.Class.Retryable() || n == maxAttempts {
			return n
		}
		ok, berr := b.AllowRetryFor(context.Background(), err, c)
		if berr != nil {
			t.Fatalf("AllowRetryFor() error = %v", berr)
		}
		if !ok {
			return n
		}
		last, lastErr = c, err
	}
}

// TestQuotaSDKTrace replays a sequence of calls through NewQuota() with
// the SDK's 3 attempts. The wanted numbers are those of aws-sdk-go-v2
// v1.48.0's standard retryer, run through its own retry middleware
// (NewAttemptMiddleware with a zero backoff) on the same script, with the
// throttling failures given the error code "Throttling" and the timeouts
// "RequestTimeout".
func TestQuotaSDKTrace(t *testing.T) {
	type step struct {
		Script     string
		Attempts   int
		TokensLeft int
	}
	steps := []step{
		{"S", 1, 500},   // a first-try success adds 1, capped at 500
		{"ES", 2, 500},  // -14, then the successful retry refunds 14
		{"EES", 3, 486}, // -14 -14, only the last retry is refunded
		{"EEE", 3, 458}, // -28, no success, no refund
		{"TS", 2, 458},  // throttling: -5 +5
		{"TTS", 3, 453}, // -5 -5 +5
		{"TTT", 3, 443},
		{"OS", 2, 443}, // a timeout costs 14, like any retry
		{"EP", 2, 429}, // a permanent failure ends the call, unrefunded
		{"P", 1, 429},  // nothing asked, nothing added
		{"S", 1, 430},
	}
	for i := range 15 { // an outage: 15 calls of 3 failures, 28 tokens each
		steps = append(steps, step{"EEE", 3, 402 - 28*i})
	}
	steps = append(steps,
		step{"EEE", 1, 10}, // 10 < 14: exhausted, the call fails at once
		step{"EEE", 1, 10},
		step{"ES", 1, 10},  // even one that would have succeeded
		step{"TTS", 3, 5},  // throttling still fits: -5 -5 to 0, +5
		step{"TS", 2, 5},   // -5 to 0, +5
		step{"S", 1, 6},    // healthy traffic refills, 1 per call
		step{"EEES", 1, 6}, // still short of 14
		step{"TTTS", 2, 1}, // -5 to 1, then 1 < 5
		step{"OS", 1, 1},
		step{"S", 1, 2},
	)
	q := NewQuota()
	var got []step
	for _, s := range steps {
		n := runCall(t, q, 3, s.Script)
		got = append(got, step{s.Script, n, q.Remaining()})
	}
	if diff := cmp.Diff(steps, got); diff != "" {
		t.Errorf("calls through NewQuota() (-want +got):\n%s", diff)
	}
}

func TestQuotaExhaustionThenRefund(t *testing.T) {
	ctx := context.Background()
	q := NewQuota(WithCapacity(30), WithRetryCost(10), WithNoRetryIncrement(2))
	server := classifier.Classification{Class: classifier.ServerError}
	var grants []bool
	for range 4 {
		ok, err := q.AllowRetryFor(ctx, errServer, server)
		if err != nil {
			t.Fatalf("AllowRetryFor() error = %v", err)
		}
		grants = append(grants, ok)
	}
	if diff := cmp.Diff([]bool{true, true, true, false}, grants); diff != "" {
		t.Errorf("grants from 30 tokens at 10 each (-want +got):\n%s", diff)
	}
	if got := q.Remaining(); got != 0 {
		t.Fatalf("Remaining() after exhaustion = %d, want 0", got)
	}
	// The three granted retries succeed: each refunds its price.
	for i := range 3 {
		q.RecordSuccess(true, server, errServer)
		if got, want := q.Remaining(), 10*(i+1); got != want {
			t.Errorf("Remaining() after refund %d = %d, want %d", i+1, got, want)
		}
	}
	q.RecordSuccess(false, classifier.Classification{}, nil)
	if got := q.Remaining(); got != 30 {
		t.Errorf("Remaining() after a first-try success on a full pool = %d, want 30 (capped)", got)
	}
	if ok, _ := q.AllowRetry(ctx); !ok {
		t.Errorf("AllowRetry() after the refunds = false, want true")
	}
	q.RecordSuccess(false, classifier.Classification{}, nil)
	if got := q.Remaining(); got != 22 {
		t.Errorf("Remaining() after a plain retry and a first-try success = %d, want 30-10+2", got)
	}
}

// timeoutError is a net.Error.
type timeoutError struct{ timeout bool }

func (e timeoutError) Error() string   { return "dial tcp: i/o timeout" }
func (e timeoutError) Timeout() bool   { return e.timeout }
func (e timeoutError) Temporary() bool { return false }

var _ net.Error = timeoutError{}

func TestQuotaCost(t *testing.T) {
	rateLimit := classifier.Classification{Class: classifier.RateLimit}
	transient := classifier.Classification{Class: classifier.Transient}
	tests := []struct {
		name        string
		giveErr     error
		giveClass   classifier.Classification
		wantSDK     int // NewQuota()
		wantPricier int // timeouts at 10, retries 5, throttling 2
	}{
		{"server error", errServer, classifier.Classification{Class: classifier.ServerError}, 14, 5},
		{"throttling", errThrottled, rateLimit, 5, 2},
		{"attempt timeout", errTimedOut, transient, 14, 10},
		{"attempt timeout sentinel", classifier.ErrAttemptTimeout, transient, 14, 10},
		{"caller's deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), transient, 14, 10},
		{"net.Error timeout", fmt.Errorf("get: %w", timeoutError{timeout: true}), transient, 14, 10},
		{"net.Error not a timeout", timeoutError{timeout: false}, transient, 14, 5},
		{"throttling that timed out", errTimedOut, rateLimit, 5, 2},
		{"canceled is not a timeout", context.Canceled, transient, 14, 5},
		{"nil error", nil, classifier.Classification{}, 14, 5},
	}
	sdk := NewQuota()
	pricier := NewQuota(WithTimeoutCost(10), WithRetryCost(5), WithThrottleCost(2))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sdk.Cost(tt.giveErr, tt.giveClass); got != tt.wantSDK {
				t.Errorf("NewQuota().Cost() = %d, want %d", got, tt.wantSDK)
			}
			if got := pricier.Cost(tt.giveErr, tt.giveClass); got != tt.wantPricier {
				t.Errorf("Cost() with timeouts at 10 = %d, want %d", got, tt.wantPricier)
			}
			// What AllowRetryFor charges and RecordSuccess refunds is Cost.
			q := NewQuota(WithTimeoutCost(10), WithRetryCost(5), WithThrottleCost(2))
			q.AllowRetryFor(context.Background(), tt.giveErr, tt.giveClass)
			if got := q.Remaining(); got != 500-tt.wantPricier {
				t.Errorf("Remaining() after AllowRetryFor = %d, want %d", got, 500-tt.wantPricier)
			}
			q.RecordSuccess(true, tt.giveClass, tt.giveErr)
			if got := q.Remaining(); got != 500 {
				t.Errorf("Remaining() after the refund = %d, want 500", got)
			}
		})
	}
}

func TestQuotaTimeoutCostFollowsRetryCost(t *testing.T) {
	q := NewQuota(WithRetryCost(3))
	if got := q.Cost(errTimedOut, classifier.Classification{Class: classifier.Transient}); got != 3 {
		t.Errorf("Cost(timeout) with WithRetryCost(3) and no WithTimeoutCost = %d, want 3", got)
	}
}

func TestQuotaZeroCosts(t *testing.T) {
	q := NewQuota(WithCapacity(0), WithRetryCost(0), WithThrottleCost(1))
	rateLimit := classifier.Classification{Class: classifier.RateLimit}
	if ok, _ := q.AllowRetry(context.Background()); !ok {
		t.Errorf("AllowRetry() at cost 0 from an empty pool = false, want true")
	}
	if ok, _ := q.AllowRetryFor(context.Background(), errThrottled, rateLimit); ok {
		t.Errorf("AllowRetryFor(throttling) at cost 1 from an empty pool = true, want false")
	}
	q.RecordSuccess(false, classifier.Classification{}, nil)
	if got := q.Remaining(); got != 0 {
		t.Errorf("Remaining() of a pool of capacity 0 = %d, want 0", got)
	}
}

// TestQuotaExactUnderConcurrency has 1,000 goroutines ask at once, a
// third of them for throttling retries, then has each granted one succeed
// at once; the pool must account for every token.
func TestQuotaExactUnderConcurrency(t *testing.T) {
	const n = 1000
	q := NewQuota(WithCapacity(5000))
	classes := [3]classifier.Classification{
		{Class: classifier.ServerError}, {Class: classifier.RateLimit}, {Class: classifier.Transient},
	}
	var (
		mu      sync.Mutex
		spent   int
		granted []int // the goroutines granted
		denied  []int // the cost each denied one asked for
		start   = make(chan struct{})
		wg      sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			c := classes[i%3]
			<-start
			ok, err := q.AllowRetryFor(context.Background(), errServer, c)
			if err != nil {
				t.Errorf("AllowRetryFor() error = %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				spent += q.Cost(errServer, c)
				granted = append(granted, i)
			} else {
				denied = append(denied, q.Cost(errServer, c))
			}
		})
	}
	close(start)
	wg.Wait()
	left := q.Remaining()
	if spent+left != 5000 {
		t.Fatalf("granted retries cost %d and %d tokens are left, want a sum of 5000", spent, left)
	}
	for _, c := range denied { // the pool only shrank: each denial was due
		if left >= c {
			t.Fatalf("a retry costing %d was denied, yet %d tokens are left", c, left)
		}
	}
	if len(denied) == 0 {
		t.Fatalf("no retry was denied; the test needs a pool smaller than the demand")
	}
	for _, i := range granted {
		wg.Go(func() {
			q.RecordSuccess(true, classes[i%3], errServer)
		})
	}
	wg.Wait()
	if got := q.Remaining(); got != 5000 {
		t.Errorf("Remaining() after every granted retry refunded = %d, want 5000", got)
	}
}

// TestQuotaInvalidConfig covers what TestInvalidConfig cannot: the
// ClassAware methods of an invalid Quota.
func TestQuotaInvalidConfig(t *testing.T) {
	q := NewQuota(WithRetryCost(-1))
	if err := q.Err(); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "WithRetryCost: tokens is -1") {
		t.Fatalf("Err() = %v, want ErrInvalidConfig naming WithRetryCost", err)
	}
	ok, err := q.AllowRetryFor(context.Background(), errServer, classifier.Classification{})
	if ok || err != q.Err() {
		t.Errorf("AllowRetryFor() = %t, %v; want false, %v (fail closed)", ok, err, q.Err())
	}
	q.RecordSuccess(true, classifier.Classification{}, errServer) // must not panic or fill
	q.RecordSuccess(false, classifier.Classification{}, nil)
	if got := q.Remaining(); got != 0 {
		t.Errorf("Remaining() = %d, want 0", got)
	}
	if got := q.Cost(errServer, classifier.Classification{}); got != 0 {
		t.Errorf("Cost() = %d, want 0", got)
	}
}
