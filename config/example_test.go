package config_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/redresstest"
)

func ExampleRegistry() {
	f, err := config.Parse("policies.json", []byte(`{
	  "breakers": {"users-db": {"failure_threshold": 5, "recovery_timeout": "30s"}},
	  "policies": {
	    "users.get": {"max_attempts": 3, "backoff": {"constant": {"delay": "100ms"}}, "breaker": "users-db"},
	    "users.*":   {"max_attempts": 1, "breaker": "users-db"}
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	reg, err := config.NewRegistry(f, config.WithClock(redresstest.NewAutoClock(time.Unix(0, 0))))
	if err != nil {
		fmt.Println(err)
		return
	}
	n := 0
	err = redress.Do(context.Background(), func(context.Context) error {
		n++
		return classifier.MarkTransient(errors.New("flaky"))
	}, reg.Policy("users.get"))
	fmt.Println(n, "attempts:", err)
	fmt.Println(reg.Policy("users.list").Retry().MaxAttempts(), "attempt for users.list")
	// Output:
	// 3 attempts: redress: users.get: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (TRANSIENT): flaky
	// 1 attempt for users.list
}

func ExampleParse() {
	_, err := config.Parse("policies.json", []byte(`{
  "policies": {"users.get": {"max_attempts": 0}}
}`))
	fmt.Println(err)
	// Output:
	// policies.json:2:46: policies["users.get"].max_attempts: retry.WithMaxAttempts: must be at least 1, got 0
}
