package redressgrpc_test

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/breaker"
	redressgrpc "github.com/redress-go/redress/contrib/grpc"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// grpcRetries is a service config that makes grpc-go itself retry every
// method on UNAVAILABLE, three attempts in all.
const grpcRetries = `{
	"methodConfig": [{
		"name": [{}],
		"retryPolicy": {
			"maxAttempts": 3,
			"initialBackoff": "0.001s",
			"maxBackoff": "0.001s",
			"backoffMultiplier": 1,
			"retryableStatusCodes": ["UNAVAILABLE"]
		}
	}]
}`

// alwaysUnavailable is a script long enough for every test here.
func alwaysUnavailable() []outcome {
	script := make([]outcome, 50)
	for i := range script {
		script[i] = fail(codes.Unavailable)
	}
	return script
}

func TestCoexistence(t *testing.T) {
	tests := []struct {
		name         string
		grpcRetries  bool // grpc-go retries, from the service config
		redressTries int
		wantCalls    int // attempts the server sees
	}{
		// The two sane set-ups.
		{"redress retries, grpc-go's disabled", false, 4, 4},
		{"grpc-go retries, redress breaks and budgets", true, 1, 3},
		// Both: the attempts multiply.
		{"both retry", true, 4, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &server{script: alwaysUnavailable()}
			addr := serve(t, s)
			br := breaker.New(breaker.WithFailureThreshold(100))
			policy := redress.MustNew(
				redress.WithClock(redresstest.NewAutoClock(time.Now())),
				redress.WithBreaker(br),
				redress.WithRetry(retry.WithMaxAttempts(tt.redressTries)),
			)
			opts := []grpc.DialOption{
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithDefaultServiceConfig(grpcRetries),
				grpc.WithUnaryInterceptor(redressgrpc.UnaryClientInterceptor(policy)),
			}
			if !tt.grpcRetries {
				opts = append(opts, grpc.WithDisableRetry())
			}
			conn, err := grpc.NewClient(addr, opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()

			_, err = check(ctxWithTimeout(t, 10*time.Second), conn)
			var se *redress.StopError
			if !errors.As(err, &se) || se.Attempts != tt.redressTries || status.Code(err) != codes.Unavailable {
				t.Fatalf("err = %v, want a stop after %d redress attempts, Unavailable", err, tt.redressTries)
			}
			if got := s.Calls(); got != tt.wantCalls {
				t.Errorf("server calls = %d, want %d", got, tt.wantCalls)
			}
			// The breaker counts one failure per call, however many
			// attempts either side made.
			if got := br.FailureCount(); got != 1 {
				t.Errorf("breaker failures = %d, want 1", got)
			}
		})
	}
}
