package config_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/retry"
)

// A policy built in code is served for its name, over the file's.
func ExampleWithPolicy() {
	f, err := config.Parse("policies.json", []byte(`{"policies": {"users.get": {"max_attempts": 3}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	custom := redress.MustNew(redress.WithOperation("users.get"), redress.WithRetry(retry.WithMaxAttempts(7)))
	reg, err := config.NewRegistry(f, config.WithPolicy("users.get", custom))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reg.Policy("users.get").Retry().MaxAttempts())
	// Output: 7
}

// NewRegistry builds every policy, breaker and budget of a file once;
// names it does not list fall back to its default policy.
func ExampleNewRegistry() {
	f, err := config.Parse("policies.json", []byte(`{
	  "default": "fallback",
	  "policies": {"users.get": {"max_attempts": 4}, "fallback": {"max_attempts": 2}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	reg, err := config.NewRegistry(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(reg.Policy("users.get").Retry().MaxAttempts(), reg.Policy("orders.list").Retry().MaxAttempts())
	// Output: 4 2
}

// Load reads and checks a file; its errors name the file, the position
// and the field.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "redress")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "policies.json")
	os.WriteFile(path, []byte(`{"policies": {"users.get": {"max_attempts": 0}}}`), 0o600)
	_, err := config.Load(path)
	fmt.Println(err != nil)
	// Output: true
}
