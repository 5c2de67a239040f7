#!/bin/sh
# run-fuzzer.sh FUZZER CORPUS SECONDS: fuzzes for a bounded time from a copy of the corpus.
# A crash, a leak or a timeout fails the test: libFuzzer's own exit code for them is 77,
# which the test runner would count as a skip.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$2"/. "$work"/
exec "$1" -max_total_time="$3" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 "$work"
