#!/bin/bash
# demo.sh: the demo, from a clean checkout on Debian 12.
# What exists so far: the phrase-list engine. It builds Vigil and asks the technician's
# question, "would this be caught?", of a few flagged and innocent sentences.
# (The server, the agent on a virtual display and the web UI join the demo as they land.)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh
[ -d build/meson-private ] || meson setup build >/dev/null
meson compile -C build >/dev/null

echo "== Would these be caught? (vigil-wordlist scan --lists wordlists)"
build/agent/vigil-wordlist scan --lists wordlists <<'TEXT'
i just want to k1ll mys3lf tonight
I learned a new skill in science today
don't tell your parents about our chats
We made a fruit cocktail for the party
how to get past the school filter
s u i c i d e
Scunthorpe United won the match on Saturday
TEXT
echo
echo "== The default lists"
build/agent/vigil-wordlist stats --lists wordlists
