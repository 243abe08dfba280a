#!/usr/bin/env bash
# Starts and stops a throw-away PostgreSQL server for the tests.
#
#   scripts/postgres.sh start DIR   initdb into DIR/data, start the server on
#                                   a free port of 127.0.0.1, create database
#                                   redress_test, and print one line on stdout:
#                                   export REDRESS_TEST_POSTGRES_DSN=postgres://…
#   scripts/postgres.sh stop DIR    stop the server started in DIR
#
# Use: eval "$(scripts/postgres.sh start "$dir")"; …; scripts/postgres.sh stop "$dir"
#
# initdb and postgres refuse to run as root, so under root the server runs
# as the system user postgres (created if missing). The server listens on
# 127.0.0.1 only, trusts local connections (no passwords: it holds nothing
# but test data), keeps its socket in DIR, and runs with fsync off. When no
# PostgreSQL is installed, the script installs Debian's postgresql package
# with apt-get. Everything but the export line goes to stderr.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# bindir prints the directory of the newest installed initdb/pg_ctl.
bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
		pg_config --bindir
		return 0
	fi
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
		return 0
	fi
	return 1
}

install_postgres() {
	[ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and installing it needs root"
	command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available"
	log "installing PostgreSQL with apt-get"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 >&2 ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2
}

# as USER CMD… runs CMD as USER (directly when we already are USER).
as() {
	local user=$1
	shift
	if [ "$(id -un)" = "$user" ]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "$user" -- "$@"
	else
		su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
	fi
}

# server_user prints the user the server runs as, creating it if needed.
server_user() {
	if [ "$(id -u)" -ne 0 ]; then
		id -un
		return
	fi
	if ! id postgres >/dev/null 2>&1; then
		log "creating system user postgres"
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres >&2
	fi
	echo postgres
}

# port_busy PORT reports whether something accepts connections on PORT.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
	local dir=$1 bin user port="" db=redress_test tries
	bin=$(bindir) || { install_postgres; bin=$(bindir) || die "no initdb/pg_ctl found after installing PostgreSQL"; }
	user=$(server_user)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" -eq 0 ]; then
		chown "$user" "$dir"
	fi
	as "$user" test -w "$dir" || die "$dir is not writable by $user (is a parent directory closed to it?)"
	if [ -f "$dir/data/postmaster.pid" ]; then
		die "a server already uses $dir/data; run: $0 stop $dir"
	fi
	rm -rf "$dir/data"
	mkdir -p "$dir/sock"
	[ "$(id -u)" -ne 0 ] || chown "$user" "$dir/sock"
	log "initdb in $dir/data as $user ($bin)"
	as "$user" "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }

	for tries in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		if port_busy "$port"; then port=""; continue; fi
		log "starting PostgreSQL on 127.0.0.1:$port"
		# -w -t: wait (bounded) until the server accepts connections.
		if as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >&2; then
			break
		fi
		tail -n 5 "$dir/postgres.log" >&2 || true
		as "$user" "$bin/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true
		port=""
	done
	[ -n "$port" ] || die "could not start PostgreSQL (see $dir/postgres.log)"
	as "$user" "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$db" >&2 || die "createdb failed"
	echo "export REDRESS_TEST_POSTGRES_DSN=postgres://$user@127.0.0.1:$port/$db?sslmode=disable"
}

stop() {
	local dir=$1 bin user
	[ -f "$dir/data/postmaster.pid" ] || { log "no server running in $dir"; return 0; }
	bin=$(bindir) || die "no pg_ctl found"
	user=$(stat -c %U "$dir/data")
	as "$user" "$bin/pg_ctl" -D "$dir/data" -w -t 60 stop -m fast >&2
}

case "${1:-}" in
start | stop)
	[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
	"$1" "$2"
	;;
*)
	die "usage: $0 start|stop DIR"
	;;
esac
