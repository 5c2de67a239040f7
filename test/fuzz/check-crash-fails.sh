#!/bin/sh
# check-crash-fails.sh RUN_FUZZER FUZZER: a fuzzer that crashes must fail run-fuzzer.sh
# with exit status 1, neither pass nor be taken for a skip (77).
set -u
runner=$(realpath "$1") fuzzer=$(realpath "$2")
corpus=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$corpus" "$out"' EXIT
printf '!' >"$corpus/crashes"
(cd "$out" && sh "$runner" "$fuzzer" "$corpus" 5 >/dev/null 2>&1)
rc=$?
if [ "$rc" -ne 1 ]; then
	echo "run-fuzzer.sh exited with $rc on a crashing fuzzer, not 1"
	exit 1
fi
echo "run-fuzzer.sh exited with 1 on a crashing fuzzer"
