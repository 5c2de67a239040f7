#!/bin/sh
# trust.sh: a simulated multi-academy trust against two vigil-servers on one PostgreSQL
# database and one S3-compatible bucket (s3rver from test/s3, SigV4 checked).
# usage: trust.sh VIGIL_SERVER INGEST WORDLISTS_DIR S3_DIR [ingest options...]
# VIGIL_TEST_PG (tools/test-env.d): a PostgreSQL role that may create databases; the run
# uses a new database and drops it.
# Defaults: 50,000 machines heartbeating every 60 s, checking lists every 10 minutes and
# uploading one capture an hour each, for 600 s (--fleet, --fleet-seconds,
# --fleet-captures-per-hour override). Prints each endpoint's p99, both servers' CPU and
# memory, and the database and bucket bytes per million captures.
set -eu
server=$1 ingest=$2 lists_src=$3 s3dir=$4
admin_url=${VIGIL_TEST_PG:-}
shift 4
[ -n "$admin_url" ] || { echo "trust.sh: no PostgreSQL (VIGIL_TEST_PG): skipping"; exit 77; }
command -v node >/dev/null || { echo "trust.sh: no node for the S3 store: skipping"; exit 77; }
if [ ! -d "$s3dir/node_modules/@20minutes/s3rver" ]; then
	(cd "$s3dir" && npm ci --no-audit --no-fund >/dev/null) ||
		{ echo "trust.sh: npm ci of the S3 store failed: skipping"; exit 77; }
fi
work=$(mktemp -d)
db="vigil_trust_$$"
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	psql "$admin_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
psql "$admin_url" -qc "CREATE DATABASE $db" >/dev/null
database="${admin_url%/*}/$db"
mkdir -p "$work/lists" "$work/s3" "$work/a" "$work/b"
cp "$lists_src"/*.txt "$lists_src"/*.inc "$work/lists/" 2>/dev/null || true
node "$s3dir/s3rver-run.js" 0 "$work/s3" vigil-images >"$work/s3.log" 2>&1 &
pids="$!"
s3port=""
for _ in $(seq 1 100); do
	s3port=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$work/s3.log")
	[ -n "$s3port" ] && break
	sleep 0.1
done
[ -n "$s3port" ] || { cat "$work/s3.log"; echo "trust.sh: s3rver did not start"; exit 1; }
printf 'S3RVER:S3RVER\n' >"$work/s3.cred"
chmod 600 "$work/s3.cred"
chmod 755 "$work" "$work/lists"
user=""
if [ "$(id -u)" -eq 0 ]; then
	chown -R nobody "$work/a" "$work/b" "$work/lists" "$work/s3.cred"
	user="--user nobody"
fi
for s in a b; do
	# trusted-proxy: as in a trust (docs/scale.md) the servers sit behind a load
	# balancer on this address, so the per-address connection limit (64) does not turn
	# away the fleet, which reaches them all from 127.0.0.1 here.
	printf 'data = %s\nlists = %s\ndatabase = %s\nmax-connections = 4096\ntrusted-proxy = 127.0.0.1\ns3-url = http://127.0.0.1:%s/vigil-images\ns3-region = eu-west-2\ns3-credentials = %s\n' \
		"$work/$s" "$work/lists" "$database" "$s3port" "$work/s3.cred" >"$work/$s.conf"
done
key=$("$server" --config "$work/a.conf" school add "Trust School")
start() { # name -> port in $port, pid appended
	# shellcheck disable=SC2086
	"$server" --config "$work/$1.conf" --listen 127.0.0.1:0 $user 2>"$work/$1.log" &
	pids="$pids $!"
	port=""
	for _ in $(seq 1 3000); do
		port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/$1.log" | head -1)
		[ -n "$port" ] && grep -qE 'lists: serving|refused' "$work/$1.log" && break
		sleep 0.1
	done
	[ -n "$port" ] || { cat "$work/$1.log"; echo "trust.sh: server $1 did not start"; exit 1; }
}
start a
port_a=$port pid_a=${pids##* }
cp -p "$work/a/signing.key" "$work/b/signing.key"
start b
port_b=$port pid_b=${pids##* }
echo "two vigil-servers (pids $pid_a, $pid_b) on PostgreSQL and s3rver, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$ingest" --url "http://127.0.0.1:$port_a" --pid "$pid_a" --url2 "http://127.0.0.1:$port_b" \
	--pid2 "$pid_b" --key "$key" --machines 1 --no-capture-phases 1 --fleet 50000 \
	--fleet-seconds 600 --fleet-captures-per-hour 1 "$@"
captures=$(psql "$database" -qAtc "SELECT count(*) FROM captures")
dbbytes=$(psql "$database" -qAtc "SELECT pg_database_size(current_database())")
s3bytes=$(du -sb "$work/s3" | cut -f1)
echo "stored: $captures captures; database $((dbbytes / 1048576)) MiB, bucket $((s3bytes / 1048576)) MiB"
if [ "$captures" -gt 0 ]; then
	awk -v d="$dbbytes" -v s="$s3bytes" -v n="$captures" 'BEGIN {
		printf "per million captures: database %.1f GB (with the fleet'"'"'s machines and heartbeats), bucket %.1f GB\n",
			d / n / 1000, s / n / 1000 }'
fi
grep -hE 'error|warning' "$work/a.log" "$work/b.log" | sort | uniq -c | sort -rn | head -5 || true
