package redressredis_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// envAddr is the variable that gives the tests a Redis server to use, as
// scripts/redis.sh prints it.
const envAddr = "REDRESS_TEST_REDIS_ADDR"

// serverAddr returns the address of the test server, or skips the test
// when there is none (fails it under CI=true).
func serverAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(envAddr)
	if addr == "" {
		missing(t, envAddr+" is not set: start a server with "+
			`eval "$(scripts/redis.sh start /tmp/redress-redis)"`)
	}
	return addr
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test needs a Redis server, and CI=true: %s", why)
	}
	t.Skipf("skipped, no Redis server: %s", why)
}

// newClient returns a client of addr without go-redis's own retries, closed
// when the test ends.
func newClient(t testing.TB, addr string, hooks ...redis.Hook) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, ContextTimeoutEnabled: true})
	for _, h := range hooks {
		rdb.AddHook(h)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

var keySeq atomic.Int64

// testKey returns a key no other test uses.
func testKey(t testing.TB) string {
	return fmt.Sprintf("redress:test:%s:%d:%d", t.Name(), os.Getpid(), keySeq.Add(1))
}

// ownServer is a redis-server process of a test's own, which it may stop
// or slow down.
type ownServer struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// startServer starts a redis-server of the test's own on a free loopback
// port, with nothing kept on disk, stopped when the test ends.
func startServer(t testing.TB) *ownServer {
	t.Helper()
	serverAddr(t) // the same rule as the shared server: skip, or fail under CI
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "redis-server is not on PATH (scripts/redis.sh installs it)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &ownServer{addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	// Bounded wait for the first PING.
	rdb := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer PING within 10s", s.addr)
		}
		select {
		case <-s.done:
			t.Fatalf("redis-server exited: see %s", filepath.Join(dir, "redis.log"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s
}

// stop kills the server and waits for it to exit.
func (s *ownServer) stop() {
	s.cmd.Process.Kill()
	<-s.done
}

// action is what the proxy does with a command.
type action int

const (
	forward  action = iota // send it to the server and its reply back
	loading                // answer -LOADING without sending it
	cutAfter               // send it to the server, then reset the client's connection (RST; go-redis reports EOF) without the reply
	noReply                // send it to the server, and keep its reply: the client waits until it times out
	drop                   // close the client's connection (FIN, the client reads EOF) without sending it
)

// proxy is a RESP proxy on loopback in front of a real server. For each
// command it asks rule what to do. It handles one command at a time per
// connection, so that its own answers keep the replies in order.
type proxy struct {
	ln       net.Listener
	upstream string
	rule     func(args []string) action
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func newProxy(t testing.TB, upstream string, rule func(args []string) action) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, upstream: upstream, rule: rule}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(c, up)
	}
}

func (p *proxy) serve(c, up net.Conn) {
	defer p.wg.Done()
	defer c.Close()
	defer up.Close()
	cr, ur := bufio.NewReader(c), bufio.NewReader(up)
	for {
		raw, args, err := readCommand(cr)
		if err != nil {
			return
		}
		switch p.rule(args) {
		case loading:
			if _, err := io.WriteString(c, "-LOADING Redis is loading the dataset in memory\r\n"); err != nil {
				return
			}
			continue
		case cutAfter:
			up.Write(raw)
			readReply(ur) // the server ran it
			c.(*net.TCPConn).SetLinger(0)
			return
		case drop:
			return
		case noReply:
			up.Write(raw)
			readReply(ur)
			continue
		}
		if _, err := up.Write(raw); err != nil {
			return
		}
		reply, err := readReply(ur)
		if err != nil {
			return
		}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

// readCommand reads one request (an array of bulk strings) and returns its
// bytes and its arguments.
func readCommand(r *bufio.Reader) ([]byte, []string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, nil, errors.New("not an array: " + line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, nil, err
	}
	raw := []byte(line)
	args := make([]string, 0, n)
	for range n {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(hdr[1:]))
		if err != nil {
			return nil, nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, nil, err
		}
		raw = append(append(raw, hdr...), buf...)
		args = append(args, string(buf[:size]))
	}
	return raw, args, nil
}

// readReply reads one RESP2 or RESP3 reply and returns its bytes.
func readReply(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	raw := []byte(line)
	body := strings.TrimSpace(line[1:])
	switch line[0] {
	case '$', '!', '=': // bulk string, bulk error, verbatim string
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return raw, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return append(raw, buf...), nil
	case '*', '~', '>', '%', '|': // array, set, push, map, attribute
		n, _ := strconv.Atoi(body)
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for range max(n, 0) {
			el, err := readReply(r)
			if err != nil {
				return nil, err
			}
			raw = append(raw, el...)
		}
		if line[0] == '|' { // an attribute comes before the reply it describes
			el, err := readReply(r)
			if err != nil {
				return nil, err
			}
			raw = append(raw, el...)
		}
		return raw, nil
	}
	return raw, nil // simple string, error, integer, null, boolean, double, big number
}

// nth returns a rule that gives act to the first n commands named name
// (lower case), and forwards every other command.
func nth(name string, n int, act action) func([]string) action {
	var seen atomic.Int64
	return func(args []string) action {
		if len(args) > 0 && strings.EqualFold(args[0], name) && seen.Add(1) <= int64(n) {
			return act
		}
		return forward
	}
}
