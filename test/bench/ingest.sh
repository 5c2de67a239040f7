#!/bin/sh
# ingest.sh: runs test/bench/ingest against a real vigil-server on loopback.
# usage: ingest.sh VIGIL_SERVER INGEST WORDLISTS_DIR [--database URL] [ingest options...]
# (--database: a PostgreSQL role that may create databases; the run uses a new one)
# Starts the server (SQLite by default; as the system user nobody when run as root) on a
# fresh data directory with the default phrase lists, creates a school, runs the load
# generator with the server's pid, and stops the server with SIGTERM.
set -eu
server=$1 ingest=$2 lists_src=$3
shift 3
database=""
if [ "${1:-}" = "--database" ]; then
	database=$2
	shift 2
fi
work=$(mktemp -d)
pid=""
bench_db=""
if [ -n "$database" ]; then
	# A database of its own for this run, dropped at the end.
	bench_db="vigil_bench_$$"
	psql "$database" -qc "CREATE DATABASE $bench_db" >/dev/null
	admin_url=$database
	database="${database%/*}/$bench_db"
fi
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$bench_db" ] && psql "$admin_url" -qc "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
[ -n "${INGEST_KEEP_LOG:-}" ] && trap 'cp "$work/log" "$INGEST_KEEP_LOG"; cleanup' EXIT INT TERM
mkdir -p "$work/data" "$work/lists"
cp "$lists_src"/*.txt "$lists_src"/*.inc "$work/lists/" 2>/dev/null || true
chmod 755 "$work" "$work/lists"
user=""
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody "$work"
	user="--user nobody"
fi
conf="$work/vigil-server.conf"
printf 'data = %s\nlists = %s\ndatabase = %s\nmax-connections = 4096\n' \
	"$work/data" "$work/lists" "$database" >"$conf"
key=$("$server" --config "$conf" school add "Bench School")
# shellcheck disable=SC2086
"$server" --config "$conf" --listen 127.0.0.1:0 ${INGEST_LOG_LEVEL:+--log-level $INGEST_LOG_LEVEL} $user 2>"$work/log" &
pid=$!
port=""
for _ in $(seq 1 200); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log" | head -1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { cat "$work/log"; echo "ingest.sh: server did not start"; exit 1; }
# Wait until the lists are compiled (served or refused): the fleet polls them, and the
# compilation must not share the CPU with the measurements.
for _ in $(seq 1 3000); do
	grep -qE 'lists: serving|refused' "$work/log" && break
	sleep 0.1
done
grep -E 'lists: serving|refused' "$work/log" || true
backend=SQLite
[ -n "$database" ] && backend=PostgreSQL
echo "vigil-server pid $pid on 127.0.0.1:$port, $backend, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# The disk's own ceiling, measured in the same run, beside which the figures are read.
if [ -n "${VIGIL_DISKLIMIT:-}" ]; then
	mkdir -p "$work/disklimit"
	"$VIGIL_DISKLIMIT" "$work/disklimit" --seconds 5 --threads 16 || true
fi
"$ingest" --url "http://127.0.0.1:$port" --key "$key" --pid "$pid" "$@"
echo "images stored: $(find "$work/data/images" -name '*.png' | wc -l), $(du -sh "$work/data" | cut -f1) in the data directory"
grep -E 'error|warning' "$work/log" | sort | uniq -c | sort -rn | head -5 || true
