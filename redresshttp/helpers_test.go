package redresshttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/redresstest"
	"github.com/redress-go/redress/retry"
)

// server is a test server on loopback that runs its steps in turn, one per
// request, the last one repeating, and records what each request sent.
type server struct {
	*httptest.Server
	steps []http.HandlerFunc

	mu     sync.Mutex
	bodies []string
}

// newServer starts a server, closed when the test ends.
func newServer(t *testing.T, steps ...http.HandlerFunc) *server {
	t.Helper()
	s := &server{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	n := len(s.bodies)
	s.mu.Unlock()
	r.Header.Set("X-Test-Request", strconv.Itoa(n))
	s.steps[min(n, len(s.steps))-1](w, r)
}

// requests returns how many requests the server received.
func (s *server) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

// received returns the body of every request, in order.
func (s *server) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// reply answers with code, the header fields kv (name, value, …) and the
// body "answer n", n being the number of the request.
func reply(code int, kv ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header()[kv[i]] = []string{kv[i+1]}
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "answer %s", requestNumber(r))
	}
}

// statuses is one reply per status, for newServer.
func statuses(codes ...int) []http.HandlerFunc {
	hs := make([]http.HandlerFunc, len(codes))
	for i, c := range codes {
		hs[i] = reply(c)
	}
	return hs
}

// requestNumber is the number of the request r on its server, 1 for the
// first; serve records it in r's header.
func requestNumber(r *http.Request) string { return r.Header.Get("X-Test-Request") }

// newBase returns a fresh http.Transport whose idle connections are closed
// when the test ends, so that no goroutine outlives it.
func newBase(t *testing.T) *http.Transport {
	t.Helper()
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	return base
}

// testPolicy is a policy on an auto clock that waits a second before each
// retry, with opts after.
func testPolicy(clk *redresstest.Clock, opts ...redress.Option) *redress.Policy {
	return redress.MustNew(append([]redress.Option{
		redress.WithClock(clk),
		redress.WithRetry(retry.WithBackoff(redresstest.Sequence(time.Second))),
	}, opts...)...)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return string(b)
}

// bodyLog is a RoundTripper over base that records, for every response,
// how much of its body was read and whether it was closed.
type bodyLog struct {
	base http.RoundTripper

	mu     sync.Mutex
	bodies []*loggedBody
}

// bodyStat is what happened to one response's body.
type bodyStat struct {
	Read   int
	Closed bool
}

type loggedBody struct {
	log  *bodyLog
	rc   io.ReadCloser
	stat bodyStat
}

func (l *bodyLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b := &loggedBody{log: l, rc: resp.Body}
	l.mu.Lock()
	l.bodies = append(l.bodies, b)
	l.mu.Unlock()
	resp.Body = b
	return resp, nil
}

// stats returns what happened to every body, response by response.
func (l *bodyLog) stats() []bodyStat {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := make([]bodyStat, len(l.bodies))
	for i, b := range l.bodies {
		s[i] = b.stat
	}
	return s
}

func (b *loggedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.log.mu.Lock()
	b.stat.Read += n
	b.log.mu.Unlock()
	return n, err
}

func (b *loggedBody) Close() error {
	b.log.mu.Lock()
	b.stat.Closed = true
	b.log.mu.Unlock()
	return b.rc.Close()
}
