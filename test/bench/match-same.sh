#!/bin/sh
# match-same.sh: the matcher's output before and after a change, byte for byte.
#
# usage: test/bench/match-same.sh REF_VIGIL_WORDLIST NEW_VIGIL_WORDLIST WORDLISTS [FILE...]
#
# Runs `vigil-wordlist scan --json` of both builds (e.g. a worktree of the commit before
# a change to match/, and the change, also with its automaton mapped from an image) over
# every Debian fortune file, the British English dictionary (wbritish-large), the
# labelled evaluation sets beside the repository, the accuracy and fuzz corpora of the
# tests and any FILE given, with the same lists, and fails on the first input whose
# output differs. Run it before each commit to match/.
set -u
ref=$1 new=$2 lists=$3
shift 3
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
inputs=""
for f in /usr/share/games/fortunes/*; do
	case $f in *.dat | *.u8) continue ;; esac
	[ -f "$f" ] && inputs="$inputs $f"
done
for f in /usr/share/dict/british-english-large "$here"/../shared/eval/*.tsv \
	"$here"/../shared/eval/external/*.tsv "$here"/test/data/accuracy/*; do
	[ -f "$f" ] && inputs="$inputs $f"
done
# the fuzzers' corpora: odd bytes, evasions and split letters, one file as one input
if [ -d "$here/test/fuzz/corpus/scan" ]; then
	find "$here/test/fuzz/corpus/scan" -type f | sort | xargs cat >"$tmp/fuzz-corpus" 2>/dev/null
	inputs="$inputs $tmp/fuzz-corpus"
fi
inputs="$inputs $*"
n=0 lines=0 bad=0
for f in $inputs; do
	"$ref" scan --lists "$lists" --json <"$f" >"$tmp/ref" 2>"$tmp/ref.err"
	a=$?
	"$new" scan --lists "$lists" --json <"$f" >"$tmp/new" 2>"$tmp/new.err"
	b=$?
	# and with the automaton mapped from a shared image (written by the first input)
	VIGIL_WORDLIST_IMAGE="$tmp/image" "$new" scan --lists "$lists" --json <"$f" \
		>"$tmp/img" 2>/dev/null
	c=$?
	if [ $a -ne $b ] || [ $a -ne $c ] || ! cmp -s "$tmp/ref" "$tmp/new" ||
		! cmp -s "$tmp/ref" "$tmp/img"; then
		echo "DIFFERENT: $f (exit $a against $b, $c with the image)"
		diff "$tmp/ref" "$tmp/new" | head -10
		diff "$tmp/ref" "$tmp/img" | head -10
		bad=$((bad + 1))
	fi
	n=$((n + 1))
	lines=$((lines + $(wc -l <"$tmp/ref")))
done
if [ $bad -ne 0 ]; then
	echo "match-same: $bad of $n inputs differ"
	exit 1
fi
echo "match-same: $n inputs, $lines lines of output, identical"
