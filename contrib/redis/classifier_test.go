package redressredis_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress/classifier"
	redressredis "github.com/redress-go/redress/contrib/redis"
)

// reply is an error reply as go-redis gives it: a redis.Error.
type reply string

func (r reply) Error() string { return string(r) }
func (reply) RedisError()     {}

func TestClassifier(t *testing.T) {
	tests := []struct {
		give      error
		wantClass classifier.Class
		wantReply string
	}{
		{give: redis.Nil, wantClass: classifier.Permanent},
		{give: fmt.Errorf("wrapped: %w", redis.Nil), wantClass: classifier.Permanent},
		{give: reply("LOADING Redis is loading the dataset in memory"), wantClass: classifier.Transient, wantReply: "LOADING"},
		{give: reply("TRYAGAIN Multiple keys request during rehashing of slot"), wantClass: classifier.Transient, wantReply: "TRYAGAIN"},
		{give: reply("CLUSTERDOWN The cluster is down"), wantClass: classifier.Transient, wantReply: "CLUSTERDOWN"},
		{give: reply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), wantClass: classifier.Transient, wantReply: "MASTERDOWN"},
		{give: reply("READONLY You can't write against a read only replica."), wantClass: classifier.Transient, wantReply: "READONLY"},
		{give: reply("NOREPLICAS Not enough good replicas to write."), wantClass: classifier.Transient, wantReply: "NOREPLICAS"},
		{give: reply("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."), wantClass: classifier.Transient, wantReply: "BUSY"},
		{give: reply("MOVED 3999 127.0.0.1:6381"), wantClass: classifier.Transient, wantReply: "MOVED"},
		{give: reply("ASK 3999 127.0.0.1:6381"), wantClass: classifier.Transient, wantReply: "ASK"},
		{give: reply("ERR max number of clients reached"), wantClass: classifier.Transient, wantReply: "MAXCLIENTS"},
		{give: reply("OOM command not allowed when used memory > 'maxmemory'."), wantClass: classifier.ServerError, wantReply: "OOM"},
		{give: reply("NOAUTH Authentication required."), wantClass: classifier.Auth, wantReply: "NOAUTH"},
		{give: reply("WRONGPASS invalid username-password pair or user is disabled."), wantClass: classifier.Auth, wantReply: "WRONGPASS"},
		{give: reply("NOPERM User x has no permissions to run the 'get' command"), wantClass: classifier.Permission, wantReply: "NOPERM"},
		{give: reply("WRONGTYPE Operation against a key holding the wrong kind of value"), wantClass: classifier.Permanent, wantReply: "WRONGTYPE"},
		{give: reply("BUSYGROUP Consumer Group name already exists"), wantClass: classifier.Permanent, wantReply: "BUSYGROUP"},
		{give: reply("BUSYKEY Target key name already exists."), wantClass: classifier.Permanent, wantReply: "BUSYKEY"},
		{give: reply("ERR unknown command 'FOO'"), wantClass: classifier.Permanent, wantReply: "ERR"},
		{give: redis.ErrClosed, wantClass: classifier.Permanent},
		{give: redis.ErrPoolTimeout, wantClass: classifier.Transient},
		{give: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, wantClass: classifier.Default.Classify(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}).Class},
		{give: io.EOF, wantClass: classifier.Transient},
		{give: io.ErrUnexpectedEOF, wantClass: classifier.Transient},
		{give: context.DeadlineExceeded, wantClass: classifier.Default.Classify(context.DeadlineExceeded).Class},
		{give: errors.New("something else"), wantClass: classifier.Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.give.Error(), func(t *testing.T) {
			got := redressredis.Classifier.Classify(tt.give)
			if got.Class != tt.wantClass {
				t.Errorf("class = %v, want %v", got.Class, tt.wantClass)
			}
			if diff := cmp.Diff(tt.wantReply, got.Details[redressredis.DetailReply]); diff != "" {
				t.Errorf("reply detail (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifierConnectionErrors(t *testing.T) {
	// A refused connection and a reset one, as the default classifier sees
	// them: TRANSIENT, so retried (by the hook only when safe).
	for _, err := range []error{
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED},
		&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET},
		io.EOF,
	} {
		if got := redressredis.Classifier.Classify(err).Class; got != classifier.Transient {
			t.Errorf("%v: class %v, want TRANSIENT", err, got)
		}
	}
}

func FuzzClassifier(f *testing.F) {
	for _, s := range []string{"LOADING x", "OOM x", "", "ERR", "BUSYGROUP", "ERR max number of clients reached", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		c := redressredis.Classifier.Classify(reply(msg))
		if !c.Class.Valid() {
			t.Errorf("%q: invalid class %v", msg, c.Class)
		}
		if c.Details[redressredis.DetailReply] == "" && msg != "" && msg[0] != ' ' {
			t.Errorf("%q: no reply detail", msg)
		}
	})
}
