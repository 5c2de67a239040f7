#!/bin/sh
# checksrc.sh: fails when C sources use a banned function (see CONVENTIONS: unsafe
# string functions and unchecked number parsing).
cd "$(dirname "$0")/.." || exit 2
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atoll)[[:space:]]*\('
found=$(git ls-files '*.c' '*.h' 2>/dev/null | xargs -r grep -nE "$banned" | grep -v 'checksrc: allow')
if [ -n "$found" ]; then
	echo "banned functions used:"
	echo "$found"
	exit 1
fi
exit 0
