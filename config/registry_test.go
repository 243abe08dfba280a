package config_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/redresstest"
)

func mustParse(t testing.TB, s string) *config.File {
	t.Helper()
	f, err := config.Parse("test.json", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRegistryLookup(t *testing.T) {
	const file = `{"policies": {
		"users.get": {"max_attempts": 5},
		"users.*": {"max_attempts": 4},
		"users.admin.*": {"max_attempts": 3},
		"orders": {"max_attempts": 2}
	}, "default": "orders"}`
	reg, err := config.NewRegistry(mustParse(t, file))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		give string
		want int
	}{
		{"users.get", 5},
		{"users.list", 4},
		{"users.admin.delete", 3},
		{"users", 2}, // "users.*" needs the dot
		{"orders", 2},
		{"billing.charge", 2},
	}
	for _, tt := range tests {
		if got := reg.Policy(tt.give).Retry().MaxAttempts(); got != tt.want {
			t.Errorf("Policy(%q).MaxAttempts = %d, want %d", tt.give, got, tt.want)
		}
	}
	if got := reg.Policy("users.get").Operation(); got != "users.get" {
		t.Errorf("exact policy's operation = %q, want users.get", got)
	}
}

func TestRegistryDefaults(t *testing.T) {
	reg, err := config.NewRegistry(nil, config.WithPolicy("*", redress.MustNew(redress.WithOperation("any"))))
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Policy("x").Operation(); got != "any" {
		t.Errorf("code pattern policy: operation %q, want any", got)
	}
	reg, err = config.NewRegistry(mustParse(t, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Policy("x").Retry().MaxAttempts(); got != 6 {
		t.Errorf("no default: MaxAttempts %d, want redress's 6", got)
	}
}

func TestRegistrySharesAndKeepsState(t *testing.T) {
	const v1 = `{
		"breakers": {"db": {"failure_threshold": 1}, "cache": {"failure_threshold": 1}},
		"policies": {"a": {"max_attempts": 1, "breaker": "db"}, "b": {"breaker": "db"}, "c": {"breaker": "cache", "max_attempts": 1}}
	}`
	clk := redresstest.NewAutoClock(time.Unix(0, 0))
	reg, err := config.NewRegistry(mustParse(t, v1), config.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	if reg.Policy("a").Breaker() != reg.Policy("b").Breaker() {
		t.Fatal("policies naming one breaker got two")
	}
	fail := func(context.Context) error { return classifier.Mark(errors.New("down"), classifier.ServerError) }
	_ = redress.Do(context.Background(), fail, reg.Policy("a"))
	_ = redress.Do(context.Background(), fail, reg.Policy("c"))
	db, cache := reg.Breaker("db"), reg.Breaker("cache")
	if !db.IsOpen() || !cache.IsOpen() {
		t.Fatal("breakers did not open")
	}
	// v2 keeps "db" as it was, changes "cache" and b's retries.
	const v2 = `{
		"breakers": {"db": {"failure_threshold": 1}, "cache": {"failure_threshold": 2}},
		"policies": {"a": {"max_attempts": 1, "breaker": "db"}, "b": {"max_attempts": 2, "breaker": "db"}, "c": {"breaker": "cache"}}
	}`
	if err := reg.Update(mustParse(t, v2)); err != nil {
		t.Fatal(err)
	}
	got := []any{reg.Breaker("db") == db, reg.Breaker("db").IsOpen(), reg.Breaker("cache") == cache, reg.Breaker("cache").IsOpen(),
		reg.Policy("b").Retry().MaxAttempts()}
	want := []any{true, true, false, false, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after Update [db kept, db open, cache kept, cache open, b attempts] (-want +got):\n%s", diff)
	}
	// An invalid file leaves the registry as it was.
	if err := reg.Update(mustParseUnchecked(`{"policies": {"b": {"breaker": "nope"}}}`)); err == nil {
		t.Fatal("Update accepted a policy naming no breaker")
	}
	if got := reg.Policy("b").Retry().MaxAttempts(); got != 2 {
		t.Errorf("after a failed Update: b attempts %d, want 2", got)
	}
}

// mustParseUnchecked builds a File in Go, as code does, for Update to check.
func mustParseUnchecked(s string) *config.File {
	return &config.File{Policies: map[string]config.Policy{"b": {Breaker: "nope"}}}
}

func TestRegistryLookupAllocs(t *testing.T) {
	reg, err := config.NewRegistry(mustParse(t, usersJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"users.get", "users.list", "orders.get"} {
		if n := testing.AllocsPerRun(100, func() { _ = reg.Policy(name) }); n != 0 {
			t.Errorf("Policy(%q) allocates %v times, want 0", name, n)
		}
	}
}

func BenchmarkRegistryPolicyAlloc(b *testing.B) {
	reg, err := config.NewRegistry(mustParse(b, usersJSON))
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"users.get", "users.list", "orders.get"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = reg.Policy(name)
			}
		})
	}
}

// TestRegistrySwapUnderTraffic swaps files while calls run, for the race
// detector: every call sees one whole policy set, and the shared breaker
// keeps counting across swaps.
func TestRegistrySwapUnderTraffic(t *testing.T) {
	file := func(attempts int) *config.File {
		return mustParse(t, fmt.Sprintf(`{
			"breakers": {"db": {"failure_threshold": 1000000}},
			"policies": {"users.*": {"max_attempts": %d, "breaker": "db", "backoff": {"constant": {"delay": "0s"}}}}
		}`, attempts))
	}
	reg, err := config.NewRegistry(file(1))
	if err != nil {
		t.Fatal(err)
	}
	db := reg.Breaker("db")
	var calls, attemptsSeen atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := 0
				_ = redress.Do(context.Background(), func(context.Context) error {
					n++
					return classifier.Mark(errors.New("x"), classifier.ServerError)
				}, reg.Policy("users.get"))
				if n != 1 && n != 3 {
					t.Errorf("a call made %d attempts: neither file's policy", n)
				}
				calls.Add(1)
				attemptsSeen.Add(int64(n))
			}
		})
	}
	for i := range 200 {
		if err := reg.Update(file(1 + 2*(i%2))); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if reg.Breaker("db") != db {
		t.Error("the breaker was replaced though its settings never changed")
	}
	if got, want := db.FailureCount(), int(calls.Load()); got != want {
		t.Errorf("breaker counted %d failures, want one per call (%d)", got, want)
	}
	_ = breaker.Closed
}
