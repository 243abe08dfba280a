package config_test

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"testing"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/config"
	"github.com/redress-go/redress/retry"
)

// The Go blocks of docs/config.md and docs/registry.md, compiled and run
// here so that they cannot drift from the API.

func guideConfigLoad(ctx context.Context, getUser func(context.Context) (string, error)) (string, error) {
	f, err := config.Load("policies.json")
	if err != nil {
		log.Fatal(err) // e.g. policies.json:2:46: policies["users.get"].max_attempts: retry.WithMaxAttempts: must be at least 1, got 0
	}
	reg, err := config.NewRegistry(f)
	if err != nil {
		log.Fatal(err)
	}
	user, err := redress.Execute(ctx, getUser, reg.Policy("users.get"))
	return user, err
}

func guideRegistry(ctx context.Context, file *config.File, getUser func(context.Context) (string, error)) error {
	reg, err := config.NewRegistry(file) // file from config.Load or config.Parse
	if err != nil {
		return err
	}
	user, err := redress.Execute(ctx, getUser, reg.Policy("users.get"))
	_ = user
	return err
}

func guideNamed(ctx context.Context, reg *config.Registry, op string, fn func(context.Context) error) error {
	p := reg.Policy(op)
	err := redress.Do(ctx, fn, p, redress.WithOperation(op)) // one allocation for the per-call option
	return err
}

func guideFromCode(usersPolicy *redress.Policy) (*config.Registry, error) {
	reg, err := config.NewRegistry(nil,
		config.WithPolicy("users.*", usersPolicy),
		config.WithPolicy("*", redress.MustNew(redress.WithRetry(retry.WithMaxAttempts(2)))))
	return reg, err
}

func guideUpdate(reg *config.Registry, path string) error {
	f, err := config.Load(path)
	if err == nil {
		err = reg.Update(f)
	}
	return err
}

func TestGuideBlocks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chdir(wd) })
	if err := os.WriteFile("policies.json", []byte(`{"policies": {"users.get": {"max_attempts": 2}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	getUser := func(context.Context) (string, error) { return "ada", nil }
	if user, err := guideConfigLoad(ctx, getUser); user != "ada" || err != nil {
		t.Errorf("config.md: %q, %v", user, err)
	}
	if err := guideRegistry(ctx, mustParse(t, `{"policies": {"users.get": {}}}`), getUser); err != nil {
		t.Errorf("registry.md: %v", err)
	}
	reg, err := guideFromCode(redress.MustNew(redress.WithRetry(retry.WithMaxAttempts(3))))
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Policy("users.get").Retry().MaxAttempts(); got != 3 {
		t.Errorf("from code: users.get has %d attempts, want 3", got)
	}
	if err := guideNamed(ctx, reg, "orders.get", func(context.Context) error { return nil }); err != nil {
		t.Errorf("named call: %v", err)
	}
	if err := guideUpdate(reg, filepath.Join(dir, "policies.json")); err != nil {
		t.Fatal(err)
	}
	// The file's exact name wins over the code's pattern; the code's
	// pattern still serves the names the file does not list.
	if got := []int{reg.Policy("users.get").Retry().MaxAttempts(), reg.Policy("users.list").Retry().MaxAttempts()}; got[0] != 2 || got[1] != 3 {
		t.Errorf("after Update: users.get, users.list attempts %v, want [2 3]", got)
	}
}
