// Command redress-demo shows redress at work against a real, flaky HTTP
// server on loopback: each attempt, how its failure was classified, how
// long the policy waited, and how each call ended. It runs in a few
// seconds:
//
//	go run ./cmd/redress-demo
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/backoff"
	"github.com/redress-go/redress/breaker"
	"github.com/redress-go/redress/classifier"
	"github.com/redress-go/redress/retry"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "redress-demo:", err)
		os.Exit(1)
	}
}

func run(out io.Writer) error {
	srv, base, err := startServer()
	if err != nil {
		return err
	}
	defer srv.Close()

	br := breaker.New(
		breaker.WithFailureThreshold(2),
		breaker.WithRecoveryTimeout(time.Second),
		breaker.WithOnStateChange(func(from, to breaker.State) {
			fmt.Fprintf(out, "    breaker: %s -> %s\n", from, to)
		}),
	)
	policy := redress.MustNew(
		redress.WithRetry(
			retry.WithMaxAttempts(4),
			retry.WithBackoff(backoff.DecorrelatedJitter(100*time.Millisecond, 400*time.Millisecond)),
		),
		redress.WithDeadline(10*time.Second),
		redress.WithAttemptTimeout(300*time.Millisecond),
		redress.WithBreaker(br),
		redress.WithMiddleware(printAttempts(out)),
		redress.WithObserver(printEvents(out)),
	)

	client := &http.Client{}
	for _, path := range []string{"/flaky", "/missing", "/slow", "/down", "/down", "/down"} {
		fmt.Fprintf(out, "GET %s\n", path)
		body, err := redress.Execute(context.Background(), func(ctx context.Context) (string, error) {
			return get(ctx, client, base+path)
		}, policy, redress.WithOperation("demo"+path))
		if err != nil {
			fmt.Fprintf(out, "  => failed: %v\n\n", err)
			continue
		}
		fmt.Fprintf(out, "  => ok: %q\n\n", body)
	}
	return nil
}

// printAttempts is attempt middleware: it sees every attempt.
func printAttempts(out io.Writer) redress.Middleware {
	return func(next redress.Handler) redress.Handler {
		return func(ctx context.Context, a *redress.Attempt) error {
			err := next(ctx, a)
			outcome := "ok"
			if err != nil {
				outcome = err.Error()
			}
			fmt.Fprintf(out, "  attempt %d: %s\n", a.Number, outcome)
			return err
		}
	}
}

// printEvents shows what the policy decided after each failure.
func printEvents(out io.Writer) redress.Observer {
	return redress.ObserverFunc(func(_ context.Context, e redress.Event) {
		switch e.Name {
		case redress.EventRetry:
			extra := ""
			if e.RetryAfter > 0 {
				extra = fmt.Sprintf(", server asked for %v", e.RetryAfter)
			}
			fmt.Fprintf(out, "    classified %s%s: retrying in %v\n", e.Class, extra, e.Sleep.Round(time.Millisecond))
		case redress.EventSuccess:
		case redress.EventCircuitOpened, redress.EventCircuitHalfOpen, redress.EventCircuitClosed:
			// The breaker's own listener prints these.
		case redress.EventCircuitRejected:
			fmt.Fprintf(out, "    rejected by the %s breaker: the server is not called\n", e.State)
		default:
			fmt.Fprintf(out, "    %s (class %s, stop reason %s)\n", e.Name, e.Class, e.Reason)
		}
	})
}

// statusError is an HTTP failure; classifier.Default reads its StatusCode
// and RetryAfter methods.
type statusError struct {
	code       int
	retryAfter time.Duration
}

func (e *statusError) Error() string             { return "HTTP " + strconv.Itoa(e.code) }
func (e *statusError) StatusCode() int           { return e.code }
func (e *statusError) RetryAfter() time.Duration { return e.retryAfter }

func get(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", classifier.MarkPermanent(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 400 {
		ra, _ := classifier.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return "", &statusError{code: resp.StatusCode, retryAfter: ra}
	}
	return string(body), nil
}

// startServer serves, on a loopback port:
//
//	/flaky    503, then 429 with Retry-After: 1, then 200
//	/missing  404 every time
//	/slow     hangs past the attempt timeout once, then 200
//	/down     500 every time
func startServer() (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	var mu sync.Mutex
	hits := map[string]int{}
	mux := http.NewServeMux()
	count := func(path string) int {
		mu.Lock()
		defer mu.Unlock()
		hits[path]++
		return hits[path]
	}
	mux.HandleFunc("/flaky", func(w http.ResponseWriter, r *http.Request) {
		switch count("/flaky") {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			io.WriteString(w, "hello from /flaky")
		}
	})
	mux.HandleFunc("/missing", func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		if count("/slow") == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		io.WriteString(w, "hello from /slow")
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, "http://" + ln.Addr().String(), nil
}
