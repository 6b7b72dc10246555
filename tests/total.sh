#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# total.sh DIR SUITE...: add up the closing lines "N passed, N failed[, N
# skipped]" that each suite left in DIR/SUITE, print each and the total as
# the last line, and exit non-zero if anything failed. A suite that left no
# line (it crashed, or its kernel did not build) counts as one failure.
set -u
dir=$1
shift
p=0 f=0 s=0
echo "== summary"
for suite in "$@"; do
	line=$(cat "$dir/$suite" 2>/dev/null)
	case "$line" in
	*" passed, "*" failed"*) ;;
	*)
		line="0 passed, 1 failed"
		echo "$suite: left no result: counted as a failure"
		;;
	esac
	printf '%-12s %s\n' "$suite:" "$line"
	set -- $line
	p=$((p + $1)) f=$((f + $3))
	[ -z "${5:-}" ] || s=$((s + $5))
done
# The wall-clock seconds of each part of make check (tests/timed.sh).
if [ -s "$dir/times" ]; then
	echo "# seconds: $(awk '{ t += $2; printf "%s %s, ", $1, $2 } END { printf "all %d", t }' "$dir/times")"
fi
line="$p passed, $f failed"
[ "$s" -eq 0 ] || line="$line, $s skipped"
echo "$line"
[ "$f" -eq 0 ]
