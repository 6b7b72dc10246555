# SPDX-License-Identifier: GPL-2.0
#
# Helpers for tests that run inside a User-Mode Linux kernel booted on the
# host's own root filesystem (hostfs), so the host's binaries and the
# checkout are visible at the same paths inside. Source this file.

# The checkout this file belongs to.
uml_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# uml_boot KDIR INIT LOG: boot KDIR/linux with INIT (an executable script,
# by absolute path) as PID 1; the console goes to LOG. INIT must end with
# uml_poweroff. Fails if the kernel does not halt within UML_TIMEOUT seconds.
uml_boot() {
	local kdir=$1 init=$2 log=$3 rc=0 umldir maps

	# UML maps the guest's memory page by page on the host; Python in the
	# guest needs more mappings than the host's default 65530 allows.
	maps=$(cat /proc/sys/vm/max_map_count 2>/dev/null || echo 0)
	if [ "$maps" -lt 262144 ] &&
	   ! echo 262144 2>/dev/null >/proc/sys/vm/max_map_count; then
		echo "# vm.max_map_count is $maps and cannot be raised: UML may run out of host mappings"
	fi

	# UML keeps its control files (umid, mconsole) here rather than in
	# $HOME/.uml; they go when the kernel halts.
	umldir=$(dirname "$log")/uml-dir
	mkdir -p "$umldir"
	timeout -k 10 "${UML_TIMEOUT:-300}" "$kdir/linux" mem="${UML_MEM:-512M}" \
		uml_dir="$umldir" rootfstype=hostfs rootflags=/ rw init="$init" \
		con=null con0=fd:0,fd:1 </dev/null >"$log" 2>&1 || rc=$?
	# The console uses CRLF line ends.
	sed -i 's/\r$//' "$log"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "not ok - UML did not halt within ${UML_TIMEOUT:-300} s"
		return 1
	fi
	return 0
}

# uml_cleanup: the trap of every script that boots UML (trap uml_cleanup
# EXIT INT TERM): a kernel of this checkout still running when the script
# ends, by a signal or a failure, is killed, and its control files go.
uml_cleanup() {
	local dir pid

	for dir in "$uml_top"/build/*/uml-dir; do
		[ -d "$dir" ] || continue
		for pid in "$dir"/*/pid; do
			[ -f "$pid" ] && kill -9 "$(cat "$pid")" 2>/dev/null
		done
		rm -rf "$dir"
	done
	return 0
}

# The preamble of every init script: a PATH, /proc and /sys.
uml_init_preamble() {
	cat <<'EOS'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
EOS
}

# The end of every init script: power off at once (the kernel halts and
# the linux process exits).
uml_init_poweroff() {
	cat <<'EOS'
echo o >/proc/sysrq-trigger
sleep 30
EOS
}

# uml_console_check LOG WHAT: one KTAP result line saying whether the
# kernel's console is free of warnings, oopses and sanitizer reports, and
# of a failed KUnit suite (they run when liteauth_test.ko loads).
uml_console_check() {
	local bad
	bad=$(grep -nE 'WARNING:|BUG:|Oops|Kernel panic|kmemleak: [0-9]+ new suspected|UBSAN:|Call Trace|^not ok [0-9]+ liteauth_' "$1" | head -n 5)
	if [ -z "$bad" ]; then
		echo "ok - $2: kernel log free of WARN/BUG/Oops/KASAN/kmemleak"
	else
		echo "not ok - $2: kernel log reports a problem:"
		echo "$bad" | sed 's/^/#   /'
	fi
}

# uml_build_module VERSION KDIR: build liteauth.ko against the UML tree
# KDIR with W=1 (log: build/uml-VERSION/kmod-build.log); print its path.
uml_build_module() {
	mkdir -p "$uml_top/build/uml-$1"
	"$uml_top/tools/build/kmod.sh" "$uml_top/build/kmod-um-$1" "$2" ARCH=um W=1 \
		2>"$uml_top/build/uml-$1/kmod-build.log"
}

# ktap_result LOG SUITES LABEL NAME: count the results in LOG (tests/
# ktap.awk, SUITES being the KUnit suites that must have run), print them,
# keep the closing line in $RESULTS/NAME and add it to the totals total_p,
# total_f and total_s (start them at 0).
ktap_result() {
	local result p f s
	result=$(awk -v suites="$2" -v label="$3" -f "$uml_top/tests/ktap.awk" "$1")
	echo "$result"
	result=$(echo "$result" | tail -n 1)
	[ -z "${RESULTS:-}" ] || { mkdir -p "$RESULTS" && echo "$result" >"$RESULTS/$4"; }
	read -r p _ f _ s _ <<<"${result//,/}"
	total_p=$((total_p + p)) total_f=$((total_f + f))
	total_s=$((total_s + ${s:-0}))
}

# ktap_total LABEL: print the totals, and fail if anything failed.
ktap_total() {
	local line="$total_p passed, $total_f failed"

	[ "$total_s" -eq 0 ] || line="$line, $total_s skipped"
	echo "$1: $line"
	echo "$line"
	[ "$total_f" -eq 0 ]
}
