package guides_test

// The code of docs/circuit-breaker.md.

import (
	"context"
	"errors"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/redresstest"
)

func TestCircuitBreakerGuideDo(t *testing.T) {
	calls := 0
	callInventory := func() error { calls++; return errors.New("inventory: 503") }
	classify := func(error) classifier.Class { return classifier.ServerError }

	br := breaker.New() // 5 failures in 60 s open it for 30 s
	err := br.Do(callInventory, classify)
	if errors.Is(err, breaker.ErrOpen) {
		// the call was not made: serve from cache, degrade, or fail fast
	}

	for range 5 { // four more failures open it; the fifth call is refused
		err = br.Do(callInventory, classify)
	}
	if calls != 5 || !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("calls %d, last error %v; want 5 calls, then breaker.ErrOpen", calls, err)
	}
}

func TestCircuitBreakerGuideModes(t *testing.T) {
	var breakers []*breaker.Breaker
	{
		br := breaker.New(
			breaker.WithFailureThreshold(5),                     // TRANSIENT and SERVER_ERROR
			breaker.WithClassThreshold(classifier.RateLimit, 3), // RATE_LIMIT opens after 3
		)
		breakers = append(breakers, br)
	}
	{
		// Open when half the calls of the last 30 s failed, once there were at least 20.
		br := breaker.New(
			breaker.WithFailureRate(0.5, 20),
			breaker.WithWindow(30*time.Second),
		)
		breakers = append(breakers, br)
	}
	{
		// Open after 3 failures in a row; any answer from the dependency starts the count again.
		br := breaker.New(breaker.WithConsecutiveFailures(3))
		breakers = append(breakers, br)
	}
	{
		// One probe at a time; three must succeed, one after the other, to close.
		br := breaker.New(
			breaker.WithHalfOpenProbes(1),
			breaker.WithSuccessThreshold(3),
		)
		breakers = append(breakers, br)
	}
	{
		br := breaker.New(breaker.WithMaxProbeWait(2 * time.Minute))
		breakers = append(breakers, br)
	}
	for i, br := range breakers {
		if err := br.Err(); err != nil {
			t.Errorf("breaker %d: %v", i, err)
		}
	}
}

func TestCircuitBreakerGuideShared(t *testing.T) {
	inventory := breaker.New(
		breaker.WithFailureThreshold(5),
		breaker.WithWindow(time.Minute),
		breaker.WithRecoveryTimeout(30*time.Second),
		breaker.WithTripOn(classifier.Transient, classifier.ServerError),
		breaker.WithClassThreshold(classifier.RateLimit, 3),
		breaker.WithHalfOpenProbes(1),
	)

	getStock, err := redress.New(redress.WithOperation("inventory.stock"), redress.WithBreaker(inventory))
	reserve, err := redress.New(redress.WithOperation("inventory.reserve"), redress.WithBreaker(inventory))
	if err != nil {
		t.Fatal(err)
	}
	// Failures through either policy count on the one breaker.
	fail := func(context.Context) error { return classifier.Mark(errors.New("503"), classifier.ServerError) }
	for _, p := range []*redress.Policy{getStock, reserve, getStock, reserve, getStock} {
		_ = redress.Do(redresstest.NoRetries(context.Background()), fail, p)
	}
	if !inventory.IsOpen() {
		t.Errorf("the shared breaker is %v after 5 failures, want open", inventory.State())
	}
}

// pinger is a client with a Ping method.
type pinger struct{ err error }

func (p pinger) Ping() error { return p.err }

func TestCircuitBreakerGuideDoClassify(t *testing.T) {
	br := breaker.New(breaker.WithConsecutiveFailures(1))
	client := pinger{err: classifier.MarkPermanent(errors.New("401"))}
	err := br.Do(func() error { return client.Ping() }, func(err error) classifier.Class {
		return classifier.Default.Classify(err).Class
	})
	if err == nil || br.IsOpen() {
		t.Errorf("err %v, open %v: a PERMANENT failure must not open the breaker", err, br.IsOpen())
	}
}

// fakeStream is a stream whose Send fails with err.
type fakeStream struct{ err error }

func (s fakeStream) Send(string) error { return s.err }

// sendGuarded sends msg on stream behind br.
func sendGuarded(ctx context.Context, br *breaker.Breaker, stream fakeStream, msg string) error {
	ticket, err := br.Allow()
	if err != nil {
		return err // *breaker.OpenError: errors.Is(err, breaker.ErrOpen)
	}
	err = stream.Send(msg)
	switch {
	case err == nil:
		br.Record(ticket, breaker.Success, 0)
	case ctx.Err() != nil:
		br.Record(ticket, breaker.Cancelled, 0)
	default:
		br.Record(ticket, breaker.Failure, classifier.Default.Classify(err).Class)
	}
	return err
}

func TestCircuitBreakerGuideAllowRecord(t *testing.T) {
	br := breaker.New(breaker.WithConsecutiveFailures(2))
	down := fakeStream{err: classifier.MarkTransient(errors.New("broken pipe"))}
	ctx := context.Background()
	_ = sendGuarded(ctx, br, down, "a")
	_ = sendGuarded(ctx, br, down, "b")
	if err := sendGuarded(ctx, br, fakeStream{}, "c"); !errors.Is(err, breaker.ErrOpen) {
		t.Errorf("third send: %v, want breaker.ErrOpen", err)
	}

	m := br.Metrics()
	log.Printf("breaker %v since %v: %d failures, %d in a row, %d rejected",
		m.State, m.StateSince, m.Failures, m.ConsecutiveFailures, m.Rejected)
	if m.State != breaker.Open || m.Rejected != 1 {
		t.Errorf("metrics: %+v, want open with 1 rejection", m)
	}
}

func TestCircuitBreakerGuideOpenFor(t *testing.T) {
	br := breaker.New()
	at := time.Now().Add(-10 * time.Second)
	w := httptest.NewRecorder()

	// A process of the fleet tripped at `at`: open this one for what is left.
	if left := time.Until(at.Add(30 * time.Second)); left > 0 {
		br.OpenFor(left)
	}

	// In a server: tell the caller when to come back.
	if until := br.OpenUntil(); !until.IsZero() {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(time.Until(until).Seconds()))))
	}

	if got := w.Result().Header.Get("Retry-After"); got != "20" && got != "19" {
		t.Errorf("Retry-After = %q, want about 20 seconds", got)
	}
	var _ http.ResponseWriter = w
}

// Service serves stock levels from an inventory behind a breaker.
type Service struct {
	br        *breaker.Breaker
	inventory interface{ Stock(sku string) (int, error) }
}

func NewService(br *breaker.Breaker) *Service { return &Service{br: br} }

// Stock returns the stock of sku, or -1 when the inventory cannot say.
func (s *Service) Stock(sku string) int {
	n := -1
	_ = s.br.Do(func() error {
		var err error
		n, err = s.inventory.Stock(sku)
		return err
	}, nil)
	return n
}

type failingInventory struct{}

func (failingInventory) Stock(string) (int, error) { return 0, errors.New("inventory down") }

func TestFallsBackWhenInventoryIsDown(t *testing.T) {
	clk := redresstest.NewClock(time.Unix(0, 0))
	br := breaker.New(breaker.WithClock(clk), breaker.WithFailureThreshold(1))
	svc := NewService(br)

	svc.inventory = failingInventory{} // the first call fails and opens the breaker
	svc.Stock("sku-1")
	if !br.IsOpen() {
		t.Fatal("breaker did not open")
	}

	clk.Advance(30 * time.Second) // the recovery timeout passes
	if got := br.State(); got != breaker.HalfOpen {
		t.Fatalf("State() = %v, want half_open", got)
	}
}
