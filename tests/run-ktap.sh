#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-ktap.sh NAME "SUITES" COMMAND [ARGS...]: run a test program that
# prints KTAP, show its output, and close with its counts (tests/ktap.awk),
# which also go to $RESULTS/NAME when RESULTS is set. Exits non-zero if
# anything failed.
set -u
name=$1 suites=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
log=$top/build/$name.log

echo "== $name"
"$@" >"$log" 2>&1
rc=$?
cat "$log"
# A program that fails must say what failed; one that exits non-zero
# without a "not ok" line crashed or stopped early, and that is a failure.
if [ $rc -ne 0 ] && ! grep -q '^ *not ok' "$log"; then
	echo "not ok - $name: $1 exited with status $rc before reporting a failure" |
		tee -a "$log"
fi
closing=$(awk -v suites="$suites" -v label="$name" -f "$top/tests/ktap.awk" "$log")
echo "$closing"
closing=$(echo "$closing" | tail -n 1)
[ -z "${RESULTS:-}" ] || { mkdir -p "$RESULTS" && echo "$closing" >"$RESULTS/$name"; }
case "$closing" in
*" 0 failed"*) exit 0 ;;
*) exit 1 ;;
esac
