package redressredis

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

func TestSafeToRepeat(t *testing.T) {
	ctx := context.Background()
	plain := NewHook().(*hook)
	incr := NewHook(Repeatable("INCR")).(*hook)
	all := NewHook(Repeatable()).(*hook)
	tests := []struct {
		give                    []any
		want, wantIncr, wantAll bool
	}{
		{give: []any{"get", "k"}, want: true, wantIncr: true, wantAll: true},
		{give: []any{"set", "k", "v"}, want: true, wantIncr: true, wantAll: true},
		{give: []any{"set", "k", "v", "ex", 10}, want: true, wantIncr: true, wantAll: true},
		{give: []any{"set", "k", "nx"}, want: true, wantIncr: true, wantAll: true}, // the value "nx"
		{give: []any{"set", "k", "v", "nx"}, want: false, wantIncr: false, wantAll: true},
		{give: []any{"set", "k", "v", "XX"}, want: false, wantIncr: false, wantAll: true},
		{give: []any{"set", "k", "v", "get"}, want: false, wantIncr: false, wantAll: true},
		{give: []any{"zadd", "k", 1, "m"}, want: true, wantIncr: true, wantAll: true},
		{give: []any{"zadd", "k", "incr", 1, "m"}, want: false, wantIncr: false, wantAll: true},
		{give: []any{"incr", "k"}, want: false, wantIncr: true, wantAll: true},
		{give: []any{"lpush", "k", "v"}, want: false, wantIncr: false, wantAll: true},
		{give: []any{"evalsha", "abc", 0}, want: false, wantIncr: false, wantAll: true},
		{give: []any{"evalsha_ro", "abc", 0}, want: true, wantIncr: true, wantAll: true},
		{give: []any{"hset", "k", "f", "v"}, want: true, wantIncr: true, wantAll: true},
		{give: []any{"hincrby", "k", "f", 1}, want: false, wantIncr: false, wantAll: true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.give...), func(t *testing.T) {
			cmd := redis.NewCmd(ctx, tt.give...)
			got := []bool{plain.safeToRepeat(cmd), incr.safeToRepeat(cmd), all.safeToRepeat(cmd)}
			want := []bool{tt.want, tt.wantIncr, tt.wantAll}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("safe for (plain, Repeatable(INCR), Repeatable()) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetupCommand(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		give []any
		want bool
	}{
		{give: []any{"hello", 3}, want: true},
		{give: []any{"auth", "pw"}, want: true},
		{give: []any{"client", "setinfo", "LIB-NAME", "x"}, want: true},
		{give: []any{"client", "list"}, want: false},
		{give: []any{"get", "k"}, want: false},
	}
	for _, tt := range tests {
		if got := setupCommand(redis.NewCmd(ctx, tt.give...)); got != tt.want {
			t.Errorf("setupCommand(%v) = %v, want %v", tt.give, got, tt.want)
		}
	}
}
