#!/bin/sh
# checkformat.sh: fails when a tracked C file differs from .clang-format (clang-format 14).
cd "$(dirname "$0")/.." || exit 2
command -v clang-format >/dev/null || { echo "clang-format missing"; exit 77; }
out=$(git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run 2>&1)
if [ -n "$out" ]; then
	echo "$out" | grep -E '^[^ ].*warning' | head -20
	echo "run: clang-format -i FILE"
	exit 1
fi
exit 0
