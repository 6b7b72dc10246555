#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh SECONDS TARGET...: run each libFuzzer target for SECONDS with its
# own corpus under build/fuzz-run, and print one KTAP result line per target.
# A crash, leak or sanitizer report fails the target and its input is kept.
set -u
secs=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
for t in "$@"; do
	name=${t##*/}
	dir=$top/build/fuzz-run/$name
	mkdir -p "$dir/corpus" "$dir/crashes"
	log=$dir/log
	if "$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/" "$dir/corpus" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok - fuzz $name: ${runs:-?} inputs in $secs s, no crash"
	else
		echo "not ok - fuzz $name: see $log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5 | sed 's/^/#   /'
	fi
done
