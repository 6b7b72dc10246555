#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gateway.sh VERSION...: the gateway module on simulated radios, in a UML
# kernel per version: mac802154_hwsim's two radios, liteauth.ko bound to
# one, tests/uml/gateway.py playing device, daemon and administrator over
# the other radio and generic netlink (YNL, with the spec in
# Documentation/netlink/specs/liteauth.yaml), then the module unloaded
# with state left in it, loaded again to authenticate anew, and the
# console checked. A VERSION of the form
# 6.12-debug runs the same on the debug kernel (KASAN, kmemleak, lockdep)
# and then asks kmemleak whether anything allocated since boot leaked.
# Prints KTAP and a closing line per kernel; writes it to
# $RESULTS/gateway-VERSION.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
trap uml_cleanup EXIT INT TERM
[ $# -gt 0 ] || set -- 6.1 6.12
"$top/tools/build/need-debs.sh" kmod wpan-tools iproute2 util-linux python3 \
	python3-prometheus-client \
	python3-yaml python3-jsonschema || exit 1

# The YNL library and schema come from the 6.12 tree, for every kernel.
ksrc=$("$here/kernel.sh" "${UML_KERNEL:-6.12}")/../src
total_p=0 total_f=0 total_s=0
for ver in "$@"; do
	kver=${ver%-debug} variant=
	[ "$kver" = "$ver" ] || variant=debug
	out=$top/build/uml-$ver
	mkdir -p "$out"
	log=$out/gateway.log
	echo "== gateway on UML $ver"
	{
		if kdir=$("$here/kernel.sh" "$kver" $variant) &&
		   ko=$(uml_build_module "$ver" "$kdir"); then
			init=$out/gateway-init.sh
			{
				uml_init_preamble
				[ -z "$variant" ] || cat <<'EOS'
mount -t debugfs debugfs /sys/kernel/debug
# What the kernel itself holds at boot is not ours to report.
echo scan >/sys/kernel/debug/kmemleak
echo clear >/sys/kernel/debug/kmemleak
EOS
				cat <<EOS
gateway_py() {
	python3 $here/gateway.py --ynl $ksrc/tools/net/ynl \\
		--spec $top/Documentation/netlink/specs/liteauth.yaml \\
		--schema $ksrc/Documentation/netlink/genetlink-c.yaml \\
		--laproto $top/build/tests/laproto \\
		--liteauthd $top/build/daemon/liteauthd \\
		--liteauth $top/build/tools/liteauth \\
		--devsim $top/build/tools/liteauth-devsim "\$@"
}
insmod $kdir/drivers/net/ieee802154/mac802154_hwsim.ko
if insmod $ko; then
	gateway_py 2>&1
	rc=\$?
	if [ \$rc -eq 0 ]; then
		echo "ok - UML $ver: gateway.py ran to the end"
	else
		echo "not ok - UML $ver: gateway.py ran to the end (status \$rc)"
	fi
	if rmmod liteauth; then
		echo "ok - UML $ver: rmmod liteauth with state in it"
	else
		echo "not ok - UML $ver: rmmod liteauth with state in it"
	fi
	if insmod $ko; then
		gateway_py --after-reload 2>&1
		rc=\$?
		if [ \$rc -eq 0 ]; then
			echo "ok - UML $ver: gateway.py --after-reload ran to the end"
		else
			echo "not ok - UML $ver: gateway.py --after-reload ran to the end (status \$rc)"
		fi
		rmmod liteauth ||
			echo "not ok - UML $ver: rmmod liteauth after the reload"
	else
		echo "not ok - UML $ver: insmod liteauth.ko again"
	fi
else
	echo "not ok - UML $ver: insmod liteauth.ko"
fi
EOS
				[ -z "$variant" ] || cat <<EOS
rmmod mac802154_hwsim
sleep 1
echo scan >/sys/kernel/debug/kmemleak
sleep 1
echo scan >/sys/kernel/debug/kmemleak
leaks=\$(grep -c '^unreferenced object' /sys/kernel/debug/kmemleak)
if [ "\$leaks" -eq 0 ]; then
	echo "ok - UML $ver: kmemleak finds nothing leaked after the run and the unload"
else
	echo "not ok - UML $ver: kmemleak finds \$leaks leaked objects"
	head -n 40 /sys/kernel/debug/kmemleak | sed 's/^/#   /'
fi
EOS
				uml_init_poweroff
			} >"$init"
			chmod +x "$init"
			# The scenarios take 6 to 10 minutes (the attacks run
			# for a minute of real time; the debug kernel is slow).
			UML_TIMEOUT=${UML_TIMEOUT:-1500} \
				uml_boot "$kdir" "$init" "$out/gateway-console.log"
			cat "$out/gateway-console.log"
			uml_console_check "$out/gateway-console.log" "UML $ver"
		else
			echo "not ok - UML $ver: kernel or module build failed"
		fi
	} 2>&1 | tee "$log" | grep -E '^(not )?ok - |^#'
	ktap_result "$log" "" "gateway $ver" "gateway-$ver"
done
ktap_total gateway
