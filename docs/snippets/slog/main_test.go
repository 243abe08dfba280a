package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
)

// TestRun runs the program on synctest's fake clock, so that sleeps are
// instant and every duration is exact, and asserts every line it logs.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		h := slog.NewJSONHandler(&buf, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if len(groups) == 0 && a.Key == slog.TimeKey {
					return slog.Attr{} // printed in the machine's time zone
				}
				return durationsAsText(groups, a)
			},
		})
		run(context.Background(), slog.New(requestIDHandler{h}))
		want := []string{
			`{"level":"INFO","msg":"redress: retry","event":"retry","operation":"inventory.reserve","attempt":1,"class":"TRANSIENT","sleep":"50ms","elapsed":"0s","error":"connection reset by peer","request_id":"req-1"}`,
			`{"level":"INFO","msg":"redress: retry","event":"retry","operation":"inventory.reserve","attempt":2,"class":"TRANSIENT","sleep":"100ms","elapsed":"50ms","error":"connection reset by peer","request_id":"req-1"}`,
			`{"level":"DEBUG","msg":"redress: success","event":"success","operation":"inventory.reserve","attempt":3,"elapsed":"150ms","request_id":"req-1"}`,
			`{"level":"INFO","msg":"reserve done","err":null,"request_id":"req-1"}`,
			`{"level":"INFO","msg":"redress: retry","event":"retry","operation":"inventory.reserve","attempt":1,"class":"SERVER_ERROR","sleep":"50ms","elapsed":"0s","error":"503 Service Unavailable","request_id":"req-2"}`,
			`{"level":"INFO","msg":"redress: retry","event":"retry","operation":"inventory.reserve","attempt":2,"class":"SERVER_ERROR","sleep":"100ms","elapsed":"50ms","error":"503 Service Unavailable","request_id":"req-2"}`,
			`{"level":"WARN","msg":"redress: max_attempts_exceeded","event":"max_attempts_exceeded","operation":"inventory.reserve","attempt":3,"class":"SERVER_ERROR","elapsed":"150ms","stop_reason":"MAX_ATTEMPTS_GLOBAL","error":"redress: inventory.reserve: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (SERVER_ERROR): 503 Service Unavailable","request_id":"req-2"}`,
			`{"level":"WARN","msg":"redress: circuit_opened","event":"circuit_opened","operation":"inventory.reserve","class":"SERVER_ERROR","elapsed":"150ms","circuit_state":"open","request_id":"req-2"}`,
			`{"level":"INFO","msg":"reserve done","err":"redress: inventory.reserve: MAX_ATTEMPTS_GLOBAL after 3 attempts: last error (SERVER_ERROR): 503 Service Unavailable","request_id":"req-2"}`,
			`{"level":"DEBUG","msg":"redress: circuit_rejected","event":"circuit_rejected","operation":"inventory.reserve","elapsed":"0s","stop_reason":"CIRCUIT_OPEN","circuit_state":"open","error":"redress: inventory.reserve: CIRCUIT_OPEN after 0 attempts: breaker: circuit open, retry in 30s","cause":"breaker: circuit open, retry in 30s","request_id":"req-3"}`,
			`{"level":"INFO","msg":"reserve done","err":"redress: inventory.reserve: CIRCUIT_OPEN after 0 attempts: breaker: circuit open, retry in 30s","request_id":"req-3"}`,
		}
		got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("log lines (-want +got):\n%s", diff)
		}
	})
}
