package redress

import (
	"context"
	"reflect"
	"runtime"
	"strings"
)

// Wrap returns op running under the policy that opts describe: each call
// of the returned function is Execute(ctx, op, opts...). It is the Go
// form of the Python library's @retry decorator:
//
//	var getUser = redress.Wrap(api.GetUser, policy)
//	user, err := getUser(ctx)
//
// The calls are named after op's function ("users.(*Client).Get", from
// its package name on) unless the options name the operation, with
// WithOperation or a *Policy built with it. The options are resolved once
// per call as Execute resolves them, so a *Policy first keeps its
// allocation-free path.
func Wrap[T any](op func(context.Context) (T, error), opts ...Option) func(context.Context) (T, error) {
	if op == nil {
		return func(ctx context.Context) (T, error) { return Execute(ctx, op, opts...) }
	}
	opts = append([]Option(nil), opts...)
	if !namesOperation(opts) {
		name := WithOperation(funcName(op))
		if len(opts) > 0 && isPolicy(opts[0]) {
			// After the policy, so that its fast path stays open.
			opts = append([]Option{opts[0], name}, opts[1:]...)
		} else {
			opts = append([]Option{name}, opts...)
		}
	}
	return func(ctx context.Context) (T, error) { return Execute(ctx, op, opts...) }
}

// namesOperation reports whether opts set the operation's name.
func namesOperation(opts []Option) bool {
	for _, o := range opts {
		switch o := o.(type) {
		case operationOption:
			return true
		case *Policy:
			if o != nil && o.Operation() != "" {
				return true
			}
		}
	}
	return false
}

// funcName returns the name of f's function from its package name on:
// "users.(*Client).Get" for a method value, "main.fetch.func1" for a
// closure.
func funcName(f any) string {
	fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return ""
	}
	name := fn.Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, "-fm")
}

func isPolicy(o Option) bool {
	_, ok := o.(*Policy)
	return ok
}
