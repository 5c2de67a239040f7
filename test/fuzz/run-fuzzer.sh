#!/bin/sh
# run-fuzzer.sh FUZZER CORPUS SECONDS: fuzzes for a bounded time from a copy of the corpus.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$2"/. "$work"/
exec "$1" -max_total_time="$3" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 "$work"
