package redressredis

import (
	"strings"

	"github.com/redis/go-redis/v9"
)

// repeatable lists the commands that are safe to run twice: after a
// timeout or a broken connection, when a command may or may not have run,
// NewHook sends again only these (and the commands named with
// Repeatable). Running one of them twice leaves the data as running it
// once does. Their replies may differ (a second DEL of a key counts 0
// keys deleted), but nothing is added, counted or moved twice.
//
// Reads are all repeatable. Writes are when they set a value rather than
// change it: SET, but not INCR; SADD, but not LPUSH; EXPIREAT, and EXPIRE
// (the second run restarts the time to live a moment later). Commands
// whose reply decides what the caller does next (SET … NX, SETNX, GETSET,
// GETDEL) and commands that add, count, pop or move (INCR, LPUSH, XADD,
// SPOP, LMOVE, PUBLISH), scripts and functions (EVAL, FCALL: the hook
// cannot know what they do) are not.
//
// Names are those of the Redis command reference, in lower case as
// go-redis's Cmder.Name gives them.
var repeatable = setOf(
	// Strings, keys and server reads.
	"get", "mget", "getrange", "substr", "strlen", "lcs", "getbit", "bitcount", "bitpos",
	"exists", "type", "ttl", "pttl", "expiretime", "pexpiretime", "dump", "randomkey",
	"keys", "scan", "dbsize", "ping", "echo", "time", "info", "lastsave", "touch",
	"sort_ro", "bitfield_ro", "object", "memory",
	// Hashes, lists, sets, sorted sets, streams, geo and HyperLogLog reads.
	"hget", "hmget", "hgetall", "hkeys", "hvals", "hlen", "hexists", "hstrlen", "hscan", "hrandfield",
	"lrange", "llen", "lindex", "lpos",
	"smembers", "sismember", "smismember", "scard", "srandmember", "sscan",
	"sinter", "sintercard", "sunion", "sdiff",
	"zrange", "zrangebyscore", "zrangebylex", "zrevrange", "zrevrangebyscore", "zrevrangebylex",
	"zscore", "zmscore", "zcard", "zcount", "zlexcount", "zrank", "zrevrank", "zscan",
	"zrandmember", "zinter", "zunion", "zdiff", "zintercard",
	"xrange", "xrevrange", "xlen",
	"geopos", "geodist", "geohash", "geosearch", "georadius_ro", "georadiusbymember_ro",
	"pfcount",
	"evalsha_ro", "eval_ro", "fcall_ro",
	// Writes that set rather than change.
	"set", "setex", "psetex", "mset", "setrange", "setbit",
	"del", "unlink", "expire", "pexpire", "expireat", "pexpireat", "persist",
	"hset", "hmset", "hdel",
	"sadd", "srem",
	"zadd", "zrem", "zremrangebyscore", "zremrangebylex",
	"lset", "ltrim",
	"pfadd", "geoadd",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// safeToRepeat reports whether cmd leaves the data as it found it when
// run twice, by the table above and the options that extend it.
func (h *hook) safeToRepeat(cmd redis.Cmder) bool {
	if h.repeatAll {
		return true
	}
	name := cmd.Name()
	if h.repeatable[name] {
		return true
	}
	if !repeatable[name] {
		return false
	}
	args := cmd.Args()
	switch name {
	case "set":
		// SET k v NX / XX / GET: the reply says whether this call set the
		// value, and a second run would answer for the first.
		for _, a := range args[min(3, len(args)):] {
			if s, ok := a.(string); ok {
				switch strings.ToLower(s) {
				case "nx", "xx", "get":
					return false
				}
			}
		}
	case "zadd":
		// ZADD … INCR adds to the score.
		for _, a := range args[min(2, len(args)):] {
			if s, ok := a.(string); ok && strings.EqualFold(s, "incr") {
				return false
			}
		}
	case "object", "memory":
		// OBJECT ENCODING/FREQ/IDLETIME/REFCOUNT and MEMORY USAGE/STATS
		// read; MEMORY PURGE does not need repeating either way.
	}
	return true
}
