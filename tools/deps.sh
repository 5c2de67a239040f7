#!/bin/sh
# deps.sh: installs the Debian packages listed in tools/deps/*.txt that are missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
want=$(cat "$here"/deps/*.txt | sed 's/#.*//' | tr -s ' \t' '\n\n' | grep -v '^$' | sort -u)
missing=""
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
run=""
[ "$(id -u)" -eq 0 ] || run="sudo"
export DEBIAN_FRONTEND=noninteractive
$run apt-get update -qq || echo "deps: apt-get update failed, trying the cached package lists"
# shellcheck disable=SC2086
$run apt-get install -y -qq --no-install-recommends $missing
