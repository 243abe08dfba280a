#!/usr/bin/env bash
# Starts and stops a throw-away Redis server for the tests.
#
#   scripts/redis.sh start DIR   install redis-server if missing (Debian
#                                package, apt-get), start it on a free
#                                loopback port with its files in DIR, wait
#                                until it answers PING, and print one line:
#                                export REDRESS_TEST_REDIS_ADDR=127.0.0.1:PORT
#   scripts/redis.sh stop DIR    stop the server started in DIR
#
# Only that export line goes to stdout, so a caller can run
#   eval "$(scripts/redis.sh start "$dir")"
# Everything else goes to stderr. The server keeps nothing on disk (no RDB
# snapshots, no append-only file) and listens on 127.0.0.1 only.
set -euo pipefail

log() { echo "redis.sh: $*" >&2; }

usage() {
	log "usage: $0 start|stop DIR"
	exit 2
}

install_redis() {
	if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
		return
	fi
	log "redis-server not found; installing the Debian package redis-server"
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		sudo=(sudo -n)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -qq >&2
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends redis-server >&2
	# The package may start a system-wide server on port 6379; the tests
	# do not use it, and it is left as the package set it up.
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	local port
	for _ in $(seq 1 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	log "no free port found"
	exit 1
}

start() {
	local dir=$1
	install_redis
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
		log "a server started in $dir is running already; stopping it first"
		stop "$dir"
	fi
	local port tries
	for tries in 1 2 3; do
		port=$(free_port)
		redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
			--save '' --appendonly no \
			--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
			--daemonize yes >&2
		# Bounded wait: 10 s for the first PING to be answered.
		for _ in $(seq 1 100); do
			if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
				echo "$port" >"$dir/redis.port"
				log "redis-server $(redis-server --version | awk '{print $3}') on 127.0.0.1:$port (files in $dir)"
				echo "export REDRESS_TEST_REDIS_ADDR=127.0.0.1:$port"
				return
			fi
			sleep 0.1
		done
		log "attempt $tries: no answer on port $port; see $dir/redis.log"
		stop "$dir" || true
	done
	log "could not start redis-server"
	exit 1
}

stop() {
	local dir=$1
	[ -f "$dir/redis.pid" ] || {
		log "no server started in $dir"
		return 0
	}
	local pid
	pid=$(cat "$dir/redis.pid")
	if [ -f "$dir/redis.port" ]; then
		redis-cli -h 127.0.0.1 -p "$(cat "$dir/redis.port")" shutdown nosave >/dev/null 2>&1 || true
	fi
	# Bounded wait for the process to go, then make sure it does.
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$dir/redis.pid" "$dir/redis.port"
	log "stopped redis-server $pid"
}

[ $# -eq 2 ] || usage
case $1 in
start) start "$2" ;;
stop) stop "$2" ;;
*) usage ;;
esac
