#!/bin/bash
# fresh-check.sh: the README's commands on a fresh Debian 12 machine, as a new user meets them.
#
# Makes a minimal Debian 12 root (debootstrap --variant=minbase --include=git,ca-certificates
# bookworm, from the mirror in this machine's apt sources), copies this machine's CA
# certificates and apt sources into it, clones the repository into /root/vigil there and
# runs .ci/run inside it as root (chroot), then tools/demo.sh --check. Prints the suite's
# output, copies the test logs out, and ends with the suite's "N passed, N failed";
# exits 0 only when nothing failed. Unmounts everything it mounted (lazily) and removes
# the root (rm --one-file-system) unless --keep.
#
# Needs root, debootstrap and about an hour on 2 busy cores. Not part of .ci/run.
#
#   tools/fresh-check.sh [--repo PATH] [--commit REV] [--keep] [--no-cache] [--no-demo]
#                        [--run COMMAND]
#
#   --repo PATH    the repository to clone (default: the one this script is in)
#   --commit REV   what to check out (default: HEAD of that repository)
#   --keep         leave the root in place (its path is printed)
#   --no-cache     always run debootstrap; by default a pristine minbase root is kept as
#                  a tarball for a week ($VIGIL_FRESH_CACHE, /var/cache/vigil-test)
#   --no-demo      skip tools/demo.sh --check
#   --run COMMAND  run this shell command in the checkout instead of .ci/run (one suite,
#                  say: --run 'tools/deps.sh && meson setup build && meson test -C build
#                  --suite packaging'); its last line is printed as the summary
#
# The suite's output and each build's meson test log are left in $VIGIL_FRESH_LOGS
# (default /var/tmp/vigil-fresh-check).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
repo=$top
commit=HEAD
keep=0
cache=1
demo=1
command=.ci/run
while [ $# -gt 0 ]; do
	case "$1" in
	--repo) repo=$2; shift ;;
	--commit) commit=$2; shift ;;
	--keep) keep=1 ;;
	--no-cache) cache=0 ;;
	--no-demo) demo=0 ;;
	--run) command=$2; shift ;;
	*)
		echo "usage: $0 [--repo PATH] [--commit REV] [--keep] [--no-cache] [--no-demo] [--run COMMAND]" >&2
		exit 2
		;;
	esac
	shift
done
die() { echo "fresh-check: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null || die "needs debootstrap (apt-get install debootstrap)"
sha=$(git -C "$repo" rev-parse --verify --quiet "$commit^{commit}") || die "$repo: no commit $commit"

mirror=${VIGIL_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		grep -oE '^(URIs:|deb)[[:space:]]+[^[:space:]]+/debian/?([[:space:]]|$)' |
		awk '{ sub(/\/$/, "", $2); print $2; exit }')
fi
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources*; set VIGIL_DEBIAN_MIRROR"

logs=${VIGIL_FRESH_LOGS:-/var/tmp/vigil-fresh-check}
cachedir=${VIGIL_FRESH_CACHE:-/var/cache/vigil-test}
tarball=$cachedir/bookworm-minbase-git.tar
work=$(mktemp -d /var/tmp/vigil-fresh.XXXXXX)
root=$work/root
mkdir -m 755 "$root"

# Everything that still runs in the root (a database server the suite started, say) is
# stopped, whatever is still mounted below it is detached, then the root is removed
# without crossing into another file system.
cleanup() {
	local p pids
	for _ in 1 2 3; do
		pids=""
		for p in /proc/[0-9]*; do
			case "$(readlink "$p/root" 2>/dev/null)" in
			"$root" | "$root"/*) pids="$pids ${p#/proc/}" ;;
			esac
		done
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		sleep 2
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 1
	done
	findmnt -rn -o TARGET | grep -F "$root" | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	if [ $keep -eq 1 ]; then
		echo "fresh-check: the root is kept in $root"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$SECONDS
if [ $cache -eq 1 ] && [ -n "$(find "$tarball" -mtime -7 2>/dev/null)" ]; then
	echo "fresh-check: Debian 12 minbase root from $tarball (debootstrap of $(date -r "$tarball" +%F))"
	tar -C "$root" -xf "$tarball" || die "cannot unpack $tarball"
else
	echo "fresh-check: debootstrap --variant=minbase --include=git,ca-certificates bookworm ($mirror)"
	if ! debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" "$mirror" \
		>"$work/debootstrap.log" 2>&1; then
		tail -30 "$work/debootstrap.log"
		die "debootstrap failed"
	fi
	if [ $cache -eq 1 ]; then
		mkdir -p "$cachedir"
		tar -C "$root" -cf "$tarball.new" . && mv "$tarball.new" "$tarball"
	fi
fi

# What any machine on this network has: its CA certificates and apt sources.
if [ -d /usr/local/share/ca-certificates ]; then
	cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
	: >"$root/etc/apt/sources.list"
fi
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[ -s "$root/etc/hostname" ] || hostname >"$root/etc/hostname"

echo "fresh-check: cloning $repo at $sha into /root/vigil"
git clone --quiet --no-local "$repo" "$root/root/vigil" || die "git clone failed"
git -C "$root/root/vigil" fetch --quiet "$repo" "$sha" 2>/dev/null
git -C "$root/root/vigil" -c advice.detachedHead=false checkout --quiet "$sha" ||
	die "cannot check out $sha"
chmod 700 "$root/root"

# The run: a private mount namespace (nothing of it is seen outside, and it goes when
# the run ends); the root is made a mount point of its own as / is on a real machine,
# with /proc, /sys, /dev, /dev/pts, /dev/shm and /run. The shell inside starts with a
# login environment of root and nothing from this one.
# shellcheck disable=SC2016 # expanded by the shell inside, from R and S
inner='
set -e
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs -o mode=755 udev "$R/dev"
for d in null zero full random urandom tty; do
	touch "$R/dev/$d"
	mount --bind "/dev/$d" "$R/dev/$d"
done
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=1777 shm "$R/dev/shm"
mount -t tmpfs -o mode=755 run "$R/run"
set +e
chroot "$R" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	/bin/bash -c "$S" </dev/null
status=$?
for m in run dev/shm dev/pts dev sys proc; do umount -l "$R/$m"; done
umount -l "$R"
exit $status
'
mkdir -p "$logs"
rm -rf "${logs:?}"/*
run() { # script to run in the root; output to the terminal and to $logs/NAME.log
	local name=$1 script=$2
	R=$root S=$script unshare --mount --propagation private /bin/sh -c "$inner" 2>&1 |
		tee "$logs/$name.log"
	return "${PIPESTATUS[0]}"
}

echo "fresh-check: cd /root/vigil && $command"
run suite "cd /root/vigil && $command"
suite_status=$?
summary=$(tail -1 "$logs/suite.log")
demo_status=0
if [ $demo -eq 1 ]; then
	echo "fresh-check: cd /root/vigil && tools/demo.sh --check"
	run demo 'cd /root/vigil && tools/demo.sh --check'
	demo_status=$?
	echo "fresh-check: tools/demo.sh --check exit $demo_status"
fi
for b in "$root"/root/vigil/build*/meson-logs; do
	[ -d "$b" ] || continue
	name=$(basename "$(dirname "$b")")
	cp "$b/testlog.txt" "$logs/$name.testlog.txt" 2>/dev/null
done
echo "fresh-check: $sha in a fresh Debian 12 root, $(((SECONDS - t0) / 60)) min; logs in $logs"
echo "$summary"
[ $suite_status -eq 0 ] && [ $demo_status -eq 0 ]
