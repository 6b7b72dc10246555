#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh SECONDS TARGET...: run each libFuzzer target for SECONDS with its
# own corpus under build/fuzz-run, and print one KTAP result line per target.
# The parsers of files (conf_fuzz, import_fuzz, keyfile_fuzz, record_fuzz:
# one call an input, no state) cover all they reach within seconds, and
# run for a quarter of SECONDS (at least 1).
# A target with seeds (tests/fuzz/NAME.seeds: one input per line, in hex,
# # for comments) starts from them too. A crash, leak or sanitizer report
# fails the target and its input is kept.
set -u
secs=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
# Berkeley DB's own allocations in a private environment: see the file.
LSAN_OPTIONS=suppressions=$top/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
export LSAN_OPTIONS

# seeds FILE DIR: each input of FILE as a file of DIR.
seeds() {
	rm -rf "$2"
	mkdir -p "$2"
	i=0
	grep -v '^#' "$1" | while read -r line; do
		h=$(printf '%s' "$line" | tr -d ' \t')
		[ -n "$h" ] || continue
		i=$((i + 1))
		f=$2/seed-$i
		: >"$f"
		while [ -n "$h" ]; do
			b=${h%"${h#??}"}
			h=${h#??}
			printf "\\$(printf %03o "0x$b")" >>"$f"
		done
	done
}

for t in "$@"; do
	name=${t##*/}
	case $name in
	conf_fuzz | import_fuzz | keyfile_fuzz | record_fuzz)
		s=$(((secs + 3) / 4)) ;;
	*)
		s=$secs ;;
	esac
	dir=$top/build/fuzz-run/$name
	mkdir -p "$dir/corpus" "$dir/crashes"
	set -- "$dir/corpus"
	if [ -f "$top/tests/fuzz/$name.seeds" ]; then
		seeds "$top/tests/fuzz/$name.seeds" "$dir/seeds"
		set -- "$@" "$dir/seeds"
	fi
	log=$dir/log
	if "$t" -max_total_time="$s" -print_final_stats=1 \
		-artifact_prefix="$dir/crashes/" "$@" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok - fuzz $name: ${runs:-?} inputs in $s s, no crash"
	else
		echo "not ok - fuzz $name: see $log"
		grep -E 'ERROR|SUMMARY|Test unit written|_fuzz: ' "$log" |
			head -n 5 | sed 's/^/#   /'
	fi
done
