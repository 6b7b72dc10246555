#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# readme.sh: the quick start of README.md, run as written: its shell block,
# from the top of the tree (it runs make userspace, a no-op once built, and
# puts build/ on PATH), its files in a directory of the test's own
# (TMPDIR), within a timeout, traced (sh -x). It must authenticate the
# device.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$top/build/readme-test
rm -rf "$work"
mkdir -p "$work/tmp"
awk '/^## Quick start/ { q = 1; next } q && /^## / { exit }
     q && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' \
	"$top/README.md" >"$work/quickstart.sh"
name="the README's quick start, run as written, authenticates a device against liteauthd"
if ! grep -q liteauth-devsim "$work/quickstart.sh"; then
	echo "not ok - $name"
	echo "#   no shell block in README.md's Quick start"
	exit 0
fi
(cd "$top" && TMPDIR=$work/tmp timeout -k 5 300 sh -ex "$work/quickstart.sh") \
	>"$work/out.log" 2>&1
rc=$?
# A liteauthd the block left behind (it failed before its kill): the
# store's holder, by its pid.
for lock in "$work"/tmp/*/store/lock; do
	[ -f "$lock" ] || continue
	pid=$(cut -d' ' -f1 "$lock")
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = liteauthd ]; then
		kill "$pid"
		# Until it has stopped (and freed its port), 10 s at most.
		i=0
		while [ -d "/proc/$pid" ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
done
if [ $rc -eq 0 ] &&
   grep -q '^1 authenticated, 0 failed' "$work/out.log" &&
   grep -q 'device [0-9a-f]* authenticated, session' "$work/out.log" &&
   grep -q 'sensor1' "$work/out.log"; then
	echo "ok - $name"
else
	echo "not ok - $name (exit $rc)"
	sed 's/^/#   /' "$work/out.log"
fi
