// Package config reads redress policies, breakers, budgets, bulkheads and
// throttles from a JSON file, and serves them by operation name from a
// Registry.
//
// A file names its building blocks once and lets policies share them by
// name:
//
//	{
//	  "breakers": {"users-db": {"failure_threshold": 5, "recovery_timeout": "30s"}},
//	  "budgets":  {"users": {"window": {"max_retries": 100, "window": "1m"}}},
//	  "policies": {
//	    "users.get": {
//	      "max_attempts": 5,
//	      "backoff": {"decorrelated_jitter": {"base": "250ms", "max": "5s"}},
//	      "deadline": "10s",
//	      "breaker": "users-db",
//	      "budget": "users"
//	    },
//	    "users.*": {"max_attempts": 3, "breaker": "users-db"}
//	  },
//	  "default": "users.*"
//	}
//
// Parse reads a file with encoding/json, rejecting unknown fields, and
// checks every value with the validation of the Go constructors it stands
// for (retry.WithMaxAttempts, breaker.New, budget.New, …), so a file is
// accepted exactly when the same settings given as Go options would be.
// Every error is an *Error naming the file, the line and column, and the
// field. Durations are Go duration strings ("250ms", "1m30s"), classes
// their names ("RATE_LIMIT"), strategies and budgets objects with one key,
// the kind, holding its parameters.
//
// NewRegistry builds the objects and serves them; Registry.Update swaps in
// a new file at run time without resetting the breakers and budgets it
// keeps. The format and every field are described in docs/config.md.
package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// File is a parsed configuration. Its fields mirror the JSON format; build
// one in Go to configure a Registry from code, or get one from Parse or
// Load. A File made in Go is checked by NewRegistry and Registry.Update.
type File struct {
	// Policies maps an operation name, or a pattern ("users.*", "*"), to
	// its policy.
	Policies map[string]Policy `json:"policies,omitempty"`
	// Default names the policy (a key of Policies) for operations that no
	// name or pattern matches. Without it such operations get redress's
	// defaults.
	Default string `json:"default,omitempty"`
	// Breakers, Budgets, Bulkheads and Throttles are the shared building
	// blocks policies refer to by name.
	Breakers  map[string]Breaker  `json:"breakers,omitempty"`
	Budgets   map[string]Budget   `json:"budgets,omitempty"`
	Bulkheads map[string]Bulkhead `json:"bulkheads,omitempty"`
	Throttles map[string]Throttle `json:"throttles,omitempty"`

	name string   // the file name errors report
	data []byte   // the text, for positions
	pos  posIndex // where each field's value starts
}

// Policy is one policy: the options of redress.New and retry.New. A field
// left out keeps redress's default.
type Policy struct {
	// MaxAttempts is retry.WithMaxAttempts: attempts, the first included.
	MaxAttempts *int `json:"max_attempts,omitempty"`
	// MaxUnknownAttempts is retry.WithMaxUnknownAttempts.
	MaxUnknownAttempts *int `json:"max_unknown_attempts,omitempty"`
	// MaxAttemptsFor is retry.WithMaxAttemptsFor, by class name.
	MaxAttemptsFor map[string]int `json:"max_attempts_for,omitempty"`
	// Backoff is retry.WithBackoff.
	Backoff *Strategy `json:"backoff,omitempty"`
	// BackoffFor is retry.WithBackoffFor, by class name.
	BackoffFor map[string]Strategy `json:"backoff_for,omitempty"`
	// NoDefaultBackoff is retry.WithoutDefaultBackoff.
	NoDefaultBackoff bool `json:"no_default_backoff,omitempty"`
	// MaxRetryAfter is retry.WithMaxRetryAfter.
	MaxRetryAfter *Duration `json:"max_retry_after,omitempty"`
	// Deadline is redress.WithDeadline; "none" is redress.WithoutDeadline.
	Deadline *Duration `json:"deadline,omitempty"`
	// AttemptTimeout is redress.WithAttemptTimeout.
	AttemptTimeout *Duration `json:"attempt_timeout,omitempty"`
	// Breaker, Budget, Bulkhead and Throttle name building blocks of the
	// file; policies naming the same one share it.
	Breaker  string `json:"breaker,omitempty"`
	Budget   string `json:"budget,omitempty"`
	Bulkhead string `json:"bulkhead,omitempty"`
	Throttle string `json:"throttle,omitempty"`
	// Calls names the operations this one calls while it runs, each under
	// its own policy: the registry ignores it, and `redress doctor` uses it
	// to compute how retries multiply through the layers.
	Calls []string `json:"calls,omitempty"`
}

// Breaker is the options of breaker.New.
type Breaker struct {
	FailureThreshold    *int           `json:"failure_threshold,omitempty"`    // breaker.WithFailureThreshold
	Window              *Duration      `json:"window,omitempty"`               // breaker.WithWindow
	RecoveryTimeout     *Duration      `json:"recovery_timeout,omitempty"`     // breaker.WithRecoveryTimeout
	TripOn              []string       `json:"trip_on,omitempty"`              // breaker.WithTripOn, class names
	ClassThresholds     map[string]int `json:"class_thresholds,omitempty"`     // breaker.WithClassThreshold, by class name
	HalfOpenProbes      *int           `json:"half_open_probes,omitempty"`     // breaker.WithHalfOpenProbes
	SuccessThreshold    *int           `json:"success_threshold,omitempty"`    // breaker.WithSuccessThreshold
	ConsecutiveFailures *int           `json:"consecutive_failures,omitempty"` // breaker.WithConsecutiveFailures
	FailureRate         *FailureRate   `json:"failure_rate,omitempty"`         // breaker.WithFailureRate
	MaxProbeWait        *Duration      `json:"max_probe_wait,omitempty"`       // breaker.WithMaxProbeWait
}

// FailureRate is breaker.WithFailureRate's two arguments.
type FailureRate struct {
	Ratio    float64 `json:"ratio"`     // the share of failed calls that opens the breaker, in (0, 1]
	MinCalls int     `json:"min_calls"` // the calls in the window before the rate counts, at least 1
}

// Budget is one retry budget: exactly one of its fields is set, the kind.
type Budget struct {
	Window      *WindowBudget      `json:"window,omitempty"`       // budget.New
	Ratio       *RatioBudget       `json:"ratio,omitempty"`        // budget.NewRatio
	TokenBucket *TokenBucketBudget `json:"token_bucket,omitempty"` // budget.NewTokenBucket
	Quota       *QuotaBudget       `json:"quota,omitempty"`        // budget.NewQuota
}

// WindowBudget is budget.New: at most MaxRetries retries per rolling Window.
type WindowBudget struct {
	MaxRetries int      `json:"max_retries"`       // retries allowed per window, at least 0
	Window     Duration `json:"window"`            // the rolling window, positive
	Buckets    *int     `json:"buckets,omitempty"` // budget.WithBuckets
}

// RatioBudget is budget.NewRatio: retries on up to Ratio of recent requests.
type RatioBudget struct {
	Ratio        float64   `json:"ratio"`                    // retries per request, in [0, 1000]
	TTL          *Duration `json:"ttl,omitempty"`            // budget.WithTTL
	MinPerSecond *float64  `json:"min_per_second,omitempty"` // budget.WithMinPerSecond
	Buckets      *int      `json:"buckets,omitempty"`        // budget.WithBuckets
}

// TokenBucketBudget is budget.NewTokenBucket.
type TokenBucketBudget struct {
	MaxTokens  float64 `json:"max_tokens"`  // the bucket's size
	TokenRatio float64 `json:"token_ratio"` // tokens each success adds
}

// QuotaBudget is budget.NewQuota, the AWS SDK's retry quota.
type QuotaBudget struct {
	Capacity         *int `json:"capacity,omitempty"`           // budget.WithCapacity
	RetryCost        *int `json:"retry_cost,omitempty"`         // budget.WithRetryCost
	TimeoutCost      *int `json:"timeout_cost,omitempty"`       // budget.WithTimeoutCost
	ThrottleCost     *int `json:"throttle_cost,omitempty"`      // budget.WithThrottleCost
	NoRetryIncrement *int `json:"no_retry_increment,omitempty"` // budget.WithNoRetryIncrement
}

// Bulkhead is bulkhead.New.
type Bulkhead struct {
	MaxConcurrent int       `json:"max_concurrent"`     // slots, from 1 to 2³¹−1
	MaxWait       *Duration `json:"max_wait,omitempty"` // bulkhead.WithMaxWait
}

// Throttle is throttle.New.
type Throttle struct {
	K       *float64  `json:"k,omitempty"`       // throttle.WithK
	Padding *float64  `json:"padding,omitempty"` // throttle.WithPadding
	Window  *Duration `json:"window,omitempty"`  // throttle.WithWindow
}

// Strategy is a backoff strategy: exactly one of its fields is set, the
// kind, with its parameters.
type Strategy struct {
	Constant           *ConstantParams `json:"constant,omitempty"`            // backoff.Constant
	Exponential        *Jittered       `json:"exponential,omitempty"`         // backoff.Exponential
	FullJitter         *Jittered       `json:"full_jitter,omitempty"`         // backoff.FullJitter
	EqualJitter        *Jittered       `json:"equal_jitter,omitempty"`        // backoff.EqualJitter
	DecorrelatedJitter *Jittered       `json:"decorrelated_jitter,omitempty"` // backoff.DecorrelatedJitter
	Token              *Jittered       `json:"token,omitempty"`               // backoff.Token
	RetryAfterOr       *RetryAfterOr   `json:"retry_after_or,omitempty"`      // backoff.RetryAfterOr
}

// RetryAfterOr is backoff.RetryAfterOr: the server's Retry-After when it
// gives one, else Fallback; Seed is backoff.WithSeed for its jitter.
type RetryAfterOr struct {
	Fallback Strategy `json:"fallback"`       // without a Retry-After
	Seed     *uint64  `json:"seed,omitempty"` // backoff.WithSeed, for the jitter
}

// ConstantParams is backoff.Constant's delay.
type ConstantParams struct {
	Delay Duration `json:"delay"` // the wait before every retry
}

// Jittered is the base and cap of an exponential or jittered strategy,
// and the seed of its draws (backoff.WithSeed; for simulations and tests,
// ignored by exponential).
type Jittered struct {
	Base Duration `json:"base"`           // the first delay's scale
	Max  Duration `json:"max"`            // the cap, not below Base
	Seed *uint64  `json:"seed,omitempty"` // backoff.WithSeed
}

// Kind returns the name of the strategy's kind ("full_jitter", …), or ""
// when none is set.
func (s *Strategy) Kind() string {
	switch {
	case s == nil:
		return ""
	case s.Constant != nil:
		return "constant"
	case s.Exponential != nil:
		return "exponential"
	case s.FullJitter != nil:
		return "full_jitter"
	case s.EqualJitter != nil:
		return "equal_jitter"
	case s.DecorrelatedJitter != nil:
		return "decorrelated_jitter"
	case s.Token != nil:
		return "token"
	case s.RetryAfterOr != nil:
		return "retry_after_or"
	}
	return ""
}

// Params returns the base, cap and seed of a jittered or exponential
// strategy, or nil for the other kinds.
func (s *Strategy) Params() *Jittered {
	switch {
	case s == nil:
		return nil
	case s.Exponential != nil:
		return s.Exponential
	case s.FullJitter != nil:
		return s.FullJitter
	case s.EqualJitter != nil:
		return s.EqualJitter
	case s.DecorrelatedJitter != nil:
		return s.DecorrelatedJitter
	case s.Token != nil:
		return s.Token
	}
	return nil
}

// Duration is a time.Duration written as a Go duration string ("250ms").
// The deadline of a policy may also be "none" (see NoDeadline).
type Duration time.Duration

// NoDeadline is the Duration "none" stands for: a policy without a
// deadline of its own (redress.WithoutDeadline).
const NoDeadline Duration = -1

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns d as a Go duration string, or "none" for NoDeadline.
func (d Duration) String() string {
	if d == NoDeadline {
		return "none"
	}
	return time.Duration(d).String()
}

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"250ms\", got %s", b)
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func parseDuration(s string) (Duration, error) {
	if s == "none" {
		return NoDeadline, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration such as \"250ms\" or \"1m30s\", got %q", s)
	}
	return Duration(v), nil
}

// Error is an error in a configuration file: where it is and what is
// wrong. Err wraps the error of the constructor that refused the value
// (breaker.ErrInvalidConfig, retry.ErrInvalidConfig, …) when there is one.
type Error struct {
	File   string // the name given to Parse, or the path given to Load
	Line   int    // 1-based; 0 when the position is not known
	Column int    // 1-based, in bytes
	Path   string // the field, as policies["users.get"].max_attempts
	Err    error
}

// Error formats the error as file:line:column: path: what is wrong.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
