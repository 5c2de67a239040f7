#!/bin/bash
# test.sh: the whole test suite, from a clean checkout on Debian 12.
# Installs what is missing, builds with meson three ways (plain; AddressSanitizer +
# UndefinedBehaviorSanitizer; clang with libFuzzer), runs the suites and prints
# "N passed, N failed" as its last line. Exit status 1 when anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

tools/deps.sh || { echo "deps: installation failed"; echo "0 passed, 1 failed"; exit 1; }

# Services the suites use (PostgreSQL, mail, ...) start here; each script exports
# what the tests need to find them.
for f in tools/test-env.d/*.sh; do
	[ -e "$f" ] || continue
	# shellcheck disable=SC1090
	. "$f"
done

builds=()
run_build() { # name, meson test args, then -- meson setup args
	local dir=$1 targs=$2
	shift 3
	builds+=("$dir")
	if [ ! -d "$dir/meson-private" ]; then
		meson setup "$dir" "$@" >/dev/null || { echo "$dir: meson setup failed"; return; }
	fi
	if ! meson compile -C "$dir" >"$dir.compile.log" 2>&1; then
		tail -40 "$dir.compile.log"
		echo "$dir: build failed"
		rm -f "$dir/meson-logs/testlog.json"
		return
	fi
	# shellcheck disable=SC2086
	meson test -C "$dir" --print-errorlogs $targs || true
}

run_build build "--no-suite fuzz" -- 
# fontconfig (through cairo's PDF fonts) keeps its caches until exit by design.
# The server drops to an unprivileged user that may not read the checkout (a clone
# under /root is 0700): the suppressions are read from a copy anyone can read.
supp_dir=$(mktemp -d /tmp/vigil-lsan.XXXXXX)
trap 'rm -rf "$supp_dir"' EXIT
chmod 755 "$supp_dir"
install -m 644 tools/lsan.supp "$supp_dir/lsan.supp"
export LSAN_OPTIONS="suppressions=$supp_dir/lsan.supp:print_suppressions=0"
# The slow suites that drive whole desktops, browsers or packages run in the plain build
# only; the sanitizers watch the units, the server, the fault tests and the X11 agent.
run_build build-san "--no-suite fuzz --no-suite bench --no-suite wayland --no-suite browser --no-suite packaging --no-suite demo --no-suite style" -- \
	-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
if command -v clang >/dev/null; then
	CC=clang run_build build-fuzz "--suite fuzz" -- -Dfuzz=true -Dbuildtype=debugoptimized
fi

python3 tools/test-summary.py "${builds[@]}"
