package redresspgx_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/redress-go/redress"
	"github.com/redress-go/redress/classifier"
	redresspgx "github.com/redress-go/redress/contrib/pgx"
)

// commitCutter is a TCP proxy in front of the test server that forwards
// everything, and cuts a connection right after forwarding a COMMIT sent
// as a simple query (as pgx sends it): the server gets COMMIT, the client
// never hears its answer.
type commitCutter struct {
	ln      net.Listener
	backend string
	conns   atomic.Int32 // connections accepted, cancel requests included
	cuts    atomic.Int32 // connections cut after a COMMIT
	wg      sync.WaitGroup
}

func newCommitCutter(t *testing.T, backend string) *commitCutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitCutter{ln: ln, backend: backend}
	p.wg.Go(p.serve)
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *commitCutter) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		p.wg.Go(func() { p.relay(client) })
	}
}

func (p *commitCutter) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.backend)
	if err != nil {
		return
	}
	defer server.Close()
	var cut atomic.Bool // set before COMMIT is forwarded: its answer never reaches the client
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		defer client.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if cut.Load() {
				return
			}
			if n > 0 {
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	p.forward(server, bufio.NewReader(client), &cut)
	server.Close()
	client.Close()
}

// forward copies the client's messages to the server until the client
// closes, or until it has forwarded a COMMIT, when it reports true (and
// has counted the cut and set cut first). The
// protocol: a start-up message (length, then body), then messages of a
// type byte, a length and a body ("Frontend/Backend Protocol", Message
// Formats, in the PostgreSQL documentation).
func (p *commitCutter) forward(server net.Conn, client *bufio.Reader, cut *atomic.Bool) bool {
	var head [4]byte
	if _, err := io.ReadFull(client, head[:]); err != nil {
		return false
	}
	start := make([]byte, binary.BigEndian.Uint32(head[:]))
	copy(start, head[:])
	if _, err := io.ReadFull(client, start[4:]); err != nil {
		return false
	}
	if _, err := server.Write(start); err != nil {
		return false
	}
	for {
		var h [5]byte
		if _, err := io.ReadFull(client, h[:]); err != nil {
			return false
		}
		msg := make([]byte, 1+binary.BigEndian.Uint32(h[1:]))
		copy(msg, h[:])
		if _, err := io.ReadFull(client, msg[5:]); err != nil {
			return false
		}
		commit := h[0] == 'Q' && strings.EqualFold(string(bytes.TrimRight(msg[5:], "\x00 ;")), "commit")
		if commit {
			p.cuts.Add(1)
			cut.Store(true)
		}
		if _, err := server.Write(msg); err != nil {
			return false
		}
		if commit {
			return true
		}
	}
}

// A COMMIT whose answer never comes may have committed: BeginTxFunc does
// not run the transaction again, and its error says the outcome is
// unknown. Here the server did commit, once.
func TestCommitOutcomeUnknownIsNotRetried(t *testing.T) {
	pool := newPool(t)
	table := newTable(t, pool, nil)
	u, err := url.Parse(serverDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCommitCutter(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	conn := newConn(t, u.String())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var runs atomic.Int32
	err = redresspgx.BeginTxFunc(ctx, conn, pgx.TxOptions{}, func(tx pgx.Tx) error {
		runs.Add(1)
		_, err := tx.Exec(ctx, "insert into "+table+" values (1, 1)")
		return err
	}, fast)

	if !errors.Is(err, redresspgx.ErrCommitUnknown) {
		t.Fatalf("err = %v, want it to match ErrCommitUnknown", err)
	}
	if !strings.Contains(err.Error(), "outcome of COMMIT unknown") {
		t.Errorf("err = %q, want it to say the outcome of COMMIT is unknown", err)
	}
	var se *redress.StopError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *redress.StopError", err)
	}
	type stop struct {
		Reason   redress.StopReason
		Attempts int
		Class    classifier.Class
		Runs     int32
		Cuts     int32
	}
	want := stop{redress.StopNonRetryable, 1, classifier.Permanent, 1, 1}
	if diff := cmp.Diff(want, stop{se.Reason, se.Attempts, se.LastClass, runs.Load(), proxy.cuts.Load()}); diff != "" {
		t.Errorf("stop (-want +got):\n%s", diff)
	}
	// Outside BeginTxFunc, a retry that asks Classifier does not run it again either.
	if got := redresspgx.Classifier.Classify(err).Class; got != classifier.Permanent {
		t.Errorf("Classifier says %v, want PERMANENT", got)
	}
	eventually(t, 10*time.Second, "the COMMIT took effect on the server",
		func() bool { return len(rows(t, pool, table)) == 1 })
	if diff := cmp.Diff(map[int]int{1: 1}, rows(t, pool, table)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
