#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# uml.sh RUNS BENCH_MS SESSIONS DEVICES: the kernel's benchmarks, in a UML
# 6.12 kernel on simulated radios (tests/uml/radios.sh capture). RUNS
# times: insmod liteauth_test.ko bench_ms=BENCH_MS bench_sessions=SESSIONS,
# which runs the KUnit suites, the benchmarks among them (kmod/
# bench_test.c), and rmmod; then, with liteauth.ko loaded, DEVICES
# devices authenticate on the radio while a monitor captures the air
# (tests/bench/radio.py). Prints the console: KTAP, the benchmarks'
# diagnostic lines and a BENCH-RADIO line, for tests/bench/bench.py.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
uml=$top/tests/uml
. "$uml/lib.sh"
trap uml_cleanup EXIT INT TERM
runs=$1 ms=$2 sessions=$3 devices=$4
ver=${UML_KERNEL:-6.12}
"$top/tools/build/need-debs.sh" kmod wpan-tools iproute2 python3 >&2 || exit 1
kdir=$("$uml/kernel.sh" $ver) || { echo "not ok - UML $ver: kernel build failed"; exit 1; }
ko=$(uml_build_module $ver "$kdir") || { echo "not ok - UML $ver: liteauth.ko build failed"; exit 1; }
out=$top/build/bench
mkdir -p "$out"
init=$out/uml-init.sh
{
	uml_init_preamble
	cat <<EOS
insmod $kdir/drivers/net/ieee802154/mac802154_hwsim.ko
sh $uml/radios.sh capture >/dev/null
for i in \$(seq $runs); do
	insmod ${ko%/*}/liteauth_test.ko bench_ms=$ms bench_sessions=$sessions ||
		echo "not ok - insmod liteauth_test.ko"
	rmmod liteauth_test
done
insmod $ko || echo "not ok - insmod liteauth.ko"
python3 $here/radio.py --liteauth $top/build/tools/liteauth \\
	--liteauthd $top/build/daemon/liteauthd \\
	--devsim $top/build/tools/liteauth-devsim --count $devices 2>&1
rmmod liteauth
EOS
	uml_init_poweroff
} >"$init"
chmod +x "$init"
UML_TIMEOUT=900 uml_boot "$kdir" "$init" "$out/uml-console.log" || exit 1
cat "$out/uml-console.log"
uml_console_check "$out/uml-console.log" "UML $ver benchmarks"
