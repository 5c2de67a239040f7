#!/bin/sh
# deps.sh: installs the Debian packages listed in tools/deps/*.txt that are missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
# A line is a package, optionally followed by "?COMMAND": not needed when COMMAND is
# already on PATH (npm comes with a nodejs that is not Debian's on some machines).
want=$(cat "$here"/deps/*.txt | sed 's/#.*//' | awk 'NF { print $1 (NF > 1 ? " " $2 : "") }' |
	sort -u | while read -r pkg cmd; do
		case "$cmd" in
		\?*) command -v "${cmd#?}" >/dev/null 2>&1 && continue ;;
		esac
		echo "$pkg"
	done)
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
