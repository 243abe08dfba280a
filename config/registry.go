package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/budget"
)

// Option configures NewRegistry and File.PolicyOptions.
type Option interface{ apply(*buildOptions) }

type buildOptions struct {
	clock redress.Clock
	code  map[string]*redress.Policy
	prev  *File // the file the kept objects were built from
}

type optionFunc func(*buildOptions)

func (f optionFunc) apply(o *buildOptions) { f(o) }

// WithClock makes every policy, breaker, budget, bulkhead and throttle
// the registry builds use clk: tests and `redress sim` pass a fake clock
// from redresstest. Default the real clock; repeating replaces.
func WithClock(clk redress.Clock) Option {
	return optionFunc(func(o *buildOptions) { o.clock = clk })
}

// WithPolicy serves p for name (an operation name, a pattern such as
// "users.*", or "*"), built in code rather than read from the file. It
// wins over the file's entry of the same name and is kept across Update.
// Repeating adds a name, or replaces the policy of a name given before.
func WithPolicy(name string, p *redress.Policy) Option {
	return optionFunc(func(o *buildOptions) {
		if o.code == nil {
			o.code = map[string]*redress.Policy{}
		}
		o.code[name] = p
	})
}

// Registry serves named policies to the code that runs operations:
//
//	reg, err := config.NewRegistry(file)
//	…
//	user, err := redress.Execute(ctx, getUser, reg.Policy("users.get"))
//
// Policy looks a name up exactly, then in the patterns ("users.*" matches
// "users.get"; the longest pattern wins; "*" matches every name), then
// falls back to the file's default policy, or redress's defaults when the
// file names none. Breakers, budgets, bulkheads and throttles are made
// once per name and shared by every policy that names them.
//
// Update replaces the file at run time: the new policies are built aside
// and swapped in at once, so a call sees either the old set or the new
// one. A breaker, budget, bulkhead or throttle whose name and settings are
// the same in the new file is kept with its state (an open breaker stays
// open, a spent budget stays spent); one whose settings changed is made
// afresh, because its old state was counted under other rules (a count of
// failures means nothing against a new threshold or window). Calls already
// running finish under the policy they started with.
//
// A Registry is safe for concurrent use. Policy takes no lock and makes
// no allocation.
type Registry struct {
	mu   sync.Mutex // serialises Update
	cur  atomic.Pointer[snapshot]
	opts buildOptions
}

// snapshot is one file's policies, ready to serve.
type snapshot struct {
	file     *File
	built    *built
	exact    map[string]*redress.Policy
	patterns []pattern // longest prefix first
	fallback *redress.Policy
}

type pattern struct {
	prefix string // "users." for "users.*"; "" for "*"
	policy *redress.Policy
}

// NewRegistry builds the registry of f, which may be nil for a registry
// of WithPolicy policies alone. A File made in Go (rather than by Parse)
// is checked the same way; errors are *Error values.
func NewRegistry(f *File, opts ...Option) (*Registry, error) {
	r := &Registry{}
	for _, o := range opts {
		o.apply(&r.opts)
	}
	for name, p := range r.opts.code {
		if err := checkPattern(name); err != nil {
			return nil, err
		}
		if p == nil {
			return nil, errors.New("config.WithPolicy: policy " + name + " is nil")
		}
	}
	s, err := r.snapshot(f, nil)
	if err != nil {
		return nil, err
	}
	r.cur.Store(s)
	return r, nil
}

// Update swaps in the policies of f (see Registry). If f is invalid the
// registry keeps serving the old policies and Update returns the error.
func (r *Registry) Update(f *File) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.snapshot(f, r.cur.Load())
	if err != nil {
		return err
	}
	r.cur.Store(s)
	return nil
}

func (r *Registry) snapshot(f *File, prev *snapshot) (*snapshot, error) {
	if f == nil {
		f = &File{}
	}
	if f.name == "" {
		f.name = "config"
	}
	o := r.opts
	var keep *built
	if prev != nil {
		keep, o.prev = prev.built, prev.file
	}
	b, err := f.build(o, keep)
	if err != nil {
		return nil, err
	}
	s := &snapshot{file: f, built: b, exact: map[string]*redress.Policy{}}
	all := map[string]*redress.Policy{}
	for name, p := range b.policies {
		all[name] = p
	}
	for name, p := range r.opts.code {
		all[name] = p
	}
	for name, p := range all {
		switch {
		case name == "*":
			s.patterns = append(s.patterns, pattern{"", p})
		case strings.HasSuffix(name, ".*"):
			s.patterns = append(s.patterns, pattern{strings.TrimSuffix(name, "*"), p})
		default:
			s.exact[name] = p
		}
	}
	sort.Slice(s.patterns, func(i, j int) bool { return len(s.patterns[i].prefix) > len(s.patterns[j].prefix) })
	switch {
	case f.Default != "":
		s.fallback = all[f.Default]
	default:
		var opts []redress.Option
		if o.clock != nil {
			opts = append(opts, redress.WithClock(o.clock))
		}
		s.fallback = redress.MustNew(opts...)
	}
	return s, nil
}

// Policy returns the policy for the operation name: the one listed under
// name, else the longest matching pattern's, else the default. It never
// returns nil. A policy listed under its exact name carries it as its
// operation name; one found by pattern or default has none of its own, so
// pass redress.WithOperation(name) with it to name the calls.
func (r *Registry) Policy(name string) *redress.Policy {
	s := r.cur.Load()
	if p, ok := s.exact[name]; ok {
		return p
	}
	for i := range s.patterns {
		if strings.HasPrefix(name, s.patterns[i].prefix) {
			return s.patterns[i].policy
		}
	}
	return s.fallback
}

// Breaker returns the breaker named name in the current file, or nil.
func (r *Registry) Breaker(name string) *breaker.Breaker { return r.cur.Load().built.breakers[name] }

// Budget returns the budget named name in the current file, or nil.
func (r *Registry) Budget(name string) budget.Budget { return r.cur.Load().built.budgets[name] }

// File returns the file the registry serves now.
func (r *Registry) File() *File { return r.cur.Load().file }

// equalJSON reports whether two specs say the same.
func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
