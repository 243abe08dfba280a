package redressredis

import (
	"errors"
	"io"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/redress-go/redress/classifier"
)

// Classifier classifies the errors of go-redis. It is a
// classifier.Classifier, and the one NewHook uses unless the policy sets
// its own with redress.WithClassifier.
//
// A reply the server sent as an error is classified by its first word:
//
//	LOADING, TRYAGAIN, CLUSTERDOWN, MASTERDOWN,       TRANSIENT: the server refused the command
//	READONLY, NOREPLICAS, BUSY, MOVED, ASK,           without running it, in a state that passes
//	"ERR max number of clients reached"               (restart, failover, resharding, a long script)
//	OOM                                               SERVER_ERROR: the server refuses writes while
//	                                                  its memory is full
//	NOAUTH, WRONGPASS                                 AUTH
//	NOPERM                                            PERMISSION
//	anything else (ERR, WRONGTYPE, NOSCRIPT, …)       PERMANENT: the command itself is wrong
//
// redis.Nil, a key that does not exist, is PERMANENT: a miss is an
// answer, and asking again gives the same one. (NewHook does not classify
// it at all: it counts a miss as a success.) OOM is SERVER_ERROR rather
// than RATE_LIMIT because the server gives no time to come back: memory
// frees only when keys expire, are evicted or are deleted, so it is
// retried with backoff, few times, and counts towards opening a breaker.
// MOVED and ASK are followed by go-redis's cluster client itself; one that
// reaches the classifier means the cluster is being resharded.
//
// The errors of go-redis itself: redis.ErrClosed (the client was closed)
// is PERMANENT, and redis.ErrPoolTimeout (no connection free in time) and
// redis.ErrPoolExhausted are TRANSIENT, as is io.EOF (the server closed
// the connection). Every other error, with no reply from the server (a
// refused or reset connection, a timeout, a context error), is classified
// by classifier.Default.
var Classifier classifier.Classifier = classifier.Func(classify)

const (
	// DetailReply is the key, in a Classification's Details, of the first
	// word of the server's error reply (such as "LOADING"), set by
	// Classifier for every error reply.
	DetailReply = "redis.reply"
	// DetailNotRepeated is the key, in a Classification's Details, set by
	// NewHook when it did not retry a command because the command may have
	// run and is not safe to run twice. Its value names the command.
	DetailNotRepeated = "redis.not_repeated"
)

func classify(err error) classifier.Classification {
	if err == nil {
		return classifier.Classification{}
	}
	if errors.Is(err, redis.Nil) {
		return classifier.Classification{Class: classifier.Permanent}
	}
	if word, ok := replyWord(err); ok {
		return classifier.Classification{
			Class:   replyClass(word),
			Details: map[string]string{DetailReply: word},
		}
	}
	switch {
	case errors.Is(err, redis.ErrClosed):
		return classifier.Classification{Class: classifier.Permanent}
	case errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return classifier.Classification{Class: classifier.Transient}
	}
	return classifier.Default.Classify(err)
}

// replyWord returns the first word of the error reply that err carries,
// and whether it carries one.
func replyWord(err error) (string, bool) {
	var re redis.Error
	if !errors.As(err, &re) {
		return "", false
	}
	msg := re.Error()
	if strings.HasPrefix(msg, "ERR max number of clients reached") {
		return "MAXCLIENTS", true
	}
	word, _, _ := strings.Cut(msg, " ")
	return word, true
}

// refusals are the replies with which a server refuses a command without
// running it, in a state that passes.
var refusals = map[string]bool{
	"LOADING":     true, // the server is loading its data set after a restart
	"TRYAGAIN":    true, // cluster: a multi-key command during resharding
	"CLUSTERDOWN": true, // cluster: slots unserved
	"MASTERDOWN":  true, // replica-serve-stale-data no, and the link to the master is down
	"READONLY":    true, // a write reached a replica (during a failover)
	"NOREPLICAS":  true, // min-replicas-to-write not met
	"BUSY":        true, // a script or function runs past its time limit
	"MOVED":       true, // cluster: the slot moved (go-redis follows it itself)
	"ASK":         true, // cluster: the slot is migrating
	"MAXCLIENTS":  true, // "ERR max number of clients reached"
	"OOM":         true, // maxmemory reached, writes refused
}

func replyClass(word string) classifier.Class {
	switch word {
	case "OOM":
		return classifier.ServerError
	case "NOAUTH", "WRONGPASS":
		return classifier.Auth
	case "NOPERM":
		return classifier.Permission
	}
	if refusals[word] {
		return classifier.Transient
	}
	return classifier.Permanent
}

// refused reports whether err says that the server refused the command
// without running it, or that it never reached the server: a refusal
// reply, a connection that could not be made, no connection free in the
// pool. Such a command is safe to send again whatever it does.
func refused(err error) bool {
	if word, ok := replyWord(err); ok {
		return refusals[word]
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted)
}

// answered reports whether err is a reply of the server (redis.Nil
// included), as opposed to an error with no reply, after which the command
// may or may not have run.
func answered(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}
