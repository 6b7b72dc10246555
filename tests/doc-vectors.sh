#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# doc-vectors.sh: the test vectors printed in Documentation/protocol.rst
# must be the ones the KUnit suites use (kmod/test_vectors.c), so that the document can never
# drift from what the code is held to. Prints one KTAP result line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# From the document: "    NAME = hex" or "    NAME  hex", and continuation
# lines of hex indented under the value, within the test vector section.
awk '
/^Test vectors/ { on = 1 }
!on { next }
/^    [A-Za-z_]+ +(= )?[0-9a-f]+$/ {
	if (cur != "") print cur
	cur = $NF
	next
}
/^ +[0-9a-f]+$/ && cur != "" { cur = cur $1; next }
{ if (cur != "") print cur; cur = "" }
END { if (cur != "") print cur }
' "$top/Documentation/protocol.rst" | awk 'length($0) >= 16' | sort >"$tmp/doc"

# From the vector tables of kmod/test_vectors.c: string literals
# of hex digits; adjacent literals with no comma between them are one.
awk '
/^static const char \*const la_hex_in/ { on = 1 }
/^static int la_unhex/ { on = 0 }
on {
	line = $0
	while (match(line, /"[0-9a-f]+"/)) {
		cur = cur substr(line, RSTART + 1, RLENGTH - 2)
		line = substr(line, RSTART + RLENGTH)
		if (line ~ /^[ \t]*[,;]/ || line ~ /^[ \t]*\/\*/ || line ~ /^[ \t]*$/ && $0 ~ /[,;][ \t]*$/) {
			print cur
			cur = ""
		}
	}
}
' "$top/kmod/test_vectors.c" | awk 'length($0) >= 16' | sort >"$tmp/code"

if [ -s "$tmp/doc" ] && cmp -s "$tmp/doc" "$tmp/code"; then
	echo "ok - Documentation/protocol.rst vectors are the ones the tests use (kmod/test_vectors.c) ($(wc -l <"$tmp/doc") values)"
else
	echo "not ok - Documentation/protocol.rst vectors differ from kmod/test_vectors.c"
	diff "$tmp/doc" "$tmp/code" | sed 's/^/#   /'
fi
