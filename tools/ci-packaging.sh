#!/bin/sh
# ci-packaging.sh: the packaging checks on their own, for CI and releases.
# Installs the build and packaging dependencies (tools/deps.sh), then runs
# test/packaging/test-debs.py: packaging/build-debs, lintian (errors fail), the
# packages' files, owners, modes and conffiles, systemd-analyze verify of both units,
# and an install into a throw-away Debian 12 root (debootstrap, cached) where the
# maintainer scripts run, the installed programs are tried, then upgrade and purge.
# Prints every check (TAP) and "N passed, N failed" last; exits 1 on a failure.
# Works as root without a terminal from a clean checkout. The same test runs in
# tools/test.sh as the meson suite 'packaging'.
#
#   tools/ci-packaging.sh [OUTDIR]    with OUTDIR, also leaves the .debs there
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

if ! tools/deps.sh; then
	echo "ci-packaging: installing the dependencies failed"
	echo "0 passed, 1 failed"
	exit 1
fi

status=0
mkdir -p build-pkg
log=build-pkg/ci-packaging.log
VIGIL_SOURCE_ROOT="$top" /usr/bin/python3 test/packaging/test-debs.py >"$log" 2>&1 || status=1
cat "$log"
if [ $# -ge 1 ] && [ $status -eq 0 ]; then
	packaging/build-debs "$1" || status=1
fi
passed=$(grep -c '^ok ' "$log")
failed=$(grep '^not ok ' "$log" | grep -vc '# TODO')
[ "$failed" -eq 0 ] || status=1
echo "packaging: $passed passed, $failed failed"
exit $status
