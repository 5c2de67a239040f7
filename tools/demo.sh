#!/bin/bash
# demo.sh: the demo, from a clean checkout on Debian 12 (as root, or a user with sudo).
#
# Builds Vigil, starts vigil-server on SQLite, a virtual X display (Xvfb) with a window
# manager and a terminal window, and vigil-agent monitoring that display; types a few
# flagged and innocent sentences with xdotool; waits until the captures have reached the
# server and shows them, then prints the web address and every role's login (the admin's
# with its authenticator's TOTP secret).
#
#   tools/demo.sh                 run the demo; the server stays up until Ctrl-C
#   tools/demo.sh --check         the same without waiting: exit 0 only when every
#                                 flagged sentence, and no innocent one, reached the
#                                 server as a capture, and every printed login signs
#                                 in (CI runs this)
#   tools/demo.sh --build DIR     use an existing meson build directory, build nothing
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

check=0
build=""
while [ $# -gt 0 ]; do
	case "$1" in
	--check) check=1 ;;
	--build) build=$2; shift ;;
	*) echo "usage: $0 [--check] [--build DIR]" >&2; exit 2 ;;
	esac
	shift
done
if [ -z "$build" ]; then
	build=build
	tools/deps.sh
	[ -d "$build/meson-private" ] || meson setup "$build" >/dev/null
	meson compile -C "$build" >/dev/null
fi
build=$(cd "$build" && pwd)
server_bin=$build/server-upload/vigil-server
agent_bin=$build/agent/vigil-agent

# Programs run as root need a system user for the network-facing parts.
run_user=nobody
[ "$(id -u)" -eq 0 ] || run_user=$(id -un)

work=$(mktemp -d /tmp/vigil-demo.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
die() {
	echo "demo: $*" >&2
	for f in server agent xterm; do
		[ -f "$work/$f.log" ] && { echo "--- $f log (last lines)" >&2; tail -15 "$work/$f.log" >&2; }
	done
	exit 1
}
wait_for() { # seconds, command...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# --- the server ------------------------------------------------------------
mkdir -m 700 "$work/data" "$work/spool" "$work/state"
cp -r wordlists "$work/lists"
if [ "$(id -u)" -eq 0 ]; then
	chown -R "$run_user:" "$work/data" "$work/lists" "$work/spool"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=("$server_bin" --data "$work/data" --lists "$work/lists")
[ "$(id -u)" -eq 0 ] && server+=(--user "$run_user")
url=http://127.0.0.1:$port

say "Starting vigil-server on $url (SQLite in a temporary directory)"
enrol_key=$("${server[@]}" school add "Oakridge Primary")
server_key=$("${server[@]}" key show)
password=$(head -c 9 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$password" | "${server[@]}" user add --role moderator moderator >/dev/null
printf '%s\n' "$password" | "${server[@]}" user add --role headteacher --school "Oakridge Primary" head >/dev/null
printf '%s\n' "$password" | "${server[@]}" user add --role technician technician >/dev/null
# An admin signs in with a password and a code of an authenticator app (TOTP): user add
# prints the app's otpauth:// URI and its secret.
admin_totp=$(printf '%s\n' "$password" | "${server[@]}" user add --role admin admin)
totp_uri=$(printf '%s\n' "$admin_totp" | sed -n 's/^\(otpauth:.*\)/\1/p')
totp_secret=$(printf '%s\n' "$admin_totp" | sed -n 's/^secret: //p')
[ -n "$totp_secret" ] || die "user add --role admin printed no TOTP secret"
"${server[@]}" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
pids+=($!)
wait_for 30 curl -fsS -o /dev/null "$url/healthz" 2>/dev/null || die "the server did not start"
echo "school \"Oakridge Primary\" created; enrolment key $enrol_key"

# --- a virtual display with a window -----------------------------------------
say "Starting a virtual display with a terminal window"
exec 3>"$work/display"
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
exec 3>&-
wait_for 30 test -s "$work/display" || die "Xvfb did not start"
export DISPLAY=:$(head -1 "$work/display")
openbox >/dev/null 2>&1 &
pids+=($!)
for attempt in 1 2 3; do
	xterm -geometry 90x20+20+20 -fa Monospace -fs 13 -title "Homework notes" -e cat \
		>>"$work/xterm.log" 2>&1 &
	pids+=($!)
	wait_for 15 xdotool search --name "Homework notes" >/dev/null 2>&1 && break
	[ $attempt -lt 3 ] || die "the terminal window did not appear"
done
echo "display $DISPLAY"

# --- the agent ------------------------------------------------------------
say "Starting vigil-agent for pupil \"jsmith\" on machine LAB1-PC07"
"$agent_bin" --display "$DISPLAY" --user jsmith --foreground --machine LAB1-PC07 \
	--server "$url" --enrol-key "$enrol_key" --server-key "$server_key" \
	--upload-user "$run_user" --spool "$work/spool" --state "$work/state" \
	--lists "$work/lists" >"$work/agent.log" 2>&1 &
pids+=($!)
wait_for 30 grep -q "monitoring display" "$work/agent.log" || die "the agent did not start"
sleep 1

# --- a pupil types -------------------------------------------------------------
flagged=(
	"i just want to k1ll mys3lf tonight"
	"dont tell your parents about our chats ok"
	"where can i buy weed near me"
)
innocent=(
	"I learned a new skill in science today"
	"We made a fruit cocktail for the party in Scunthorpe"
)
say "Typing into the terminal window (xdotool)"
win=$(xdotool search --name "Homework notes" | head -1)
xdotool windowactivate --sync "$win" 2>/dev/null || xdotool windowfocus --sync "$win"
for line in "${innocent[0]}" "${flagged[@]}" "${innocent[1]}"; do
	echo "  typed: $line"
	xdotool type --delay 40 "$line"
	xdotool key Return
	sleep 1.5
done

# --- the captures reach the server --------------------------------------------
say "Waiting for the captures to reach the server"
export_json() { "${server[@]}" export 2>/dev/null; }
have_all() {
	export_json | python3 tools/demo-captures.py --ready \
		"$(IFS='|'; echo "${flagged[*]}")" "$(IFS='|'; echo "${innocent[*]}")"
}
wait_for 90 have_all || die "not every flagged sentence reached the server: $(export_json | python3 tools/demo-captures.py)"
sleep 2
# signs_in LOGIN [CODE]: the web sign-in with the demo's password answers with a session.
signs_in() {
	curl -fsS -o /dev/null -D - --data-urlencode "login=$1" \
		--data-urlencode "password=$password" --data-urlencode "code=${2:-}" \
		"$url/login" 2>/dev/null | grep -qi '^set-cookie: vigil_session=[^;]'
}
if [ $check -eq 1 ]; then
	for login in moderator head technician; do
		signs_in "$login" || die "\"$login\" cannot sign in with the printed password"
	done
	signs_in admin "$(oathtool --totp -b "$totp_secret")" ||
		die "\"admin\" cannot sign in with the password and the code oathtool prints"
	export_json | python3 tools/demo-captures.py --check \
		"$(IFS='|'; echo "${flagged[*]}")" "$(IFS='|'; echo "${innocent[*]}")"
	exit 0
fi
export_json | python3 tools/demo-captures.py

say "The captures are waiting on the server"
if curl -fsS -o /dev/null "$url/login" 2>/dev/null; then
	echo "  web UI:   $url/captures"
	echo "  password of every login: $password"
	echo "    moderator    moderator, all schools: the queue and the capture pages"
	echo "    head         headteacher of Oakridge Primary: its captures and weekly report"
	echo "    technician   technician, all schools: phrase lists and machines"
	echo "    admin        admin: users and schools; also needs the code of an authenticator"
	echo "                 app (TOTP): add $totp_uri"
	echo "                 to the app, or print the current code with: oathtool --totp -b $totp_secret"
else
	echo "  export:   ${server[*]} export"
	echo "  (the moderation web UI is not built yet; the captures are listed above)"
fi
echo "  machines: ${server[*]} machines"
echo
echo "Press Ctrl-C to stop the demo."
while kill -0 "${pids[0]}" 2>/dev/null; do sleep 1; done
