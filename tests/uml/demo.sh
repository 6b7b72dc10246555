#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: liteauth on a simulated gateway, for a newcomer (make demo).
#
#   8 simulated devices (liteauth-devsim, one radio: the monitor mon0)
#        │ IEEE 802.15.4, mac802154_hwsim
#   gateway: liteauth.ko on wpan0 ── netlink ── liteauthd ── key store
#
# Boots a User-Mode Linux 6.12 kernel (built once, then cached) on this
# machine's own files, provisions a fresh key store with the liteauth
# tool, authenticates the devices through the module and the daemon,
# prints `liteauth show` and the audit log, and shuts down. Exits 0 when
# every device authenticated.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
trap uml_cleanup EXIT INT TERM
say() { printf '\n\033[1m[demo]\033[0m %s\n' "$*"; }

say "installing what the demo needs from Debian, if anything is missing"
"$top/tools/build/need-debs.sh" kmod wpan-tools iproute2 util-linux
say "building liteauth's userspace (liteauthd, liteauth, liteauth-devsim)"
make -C "$top" --no-print-directory userspace >/dev/null
say "getting the UML 6.12 test kernel (the first time, it is built: about 7 minutes)"
kdir=$("$here/kernel.sh" "${UML_KERNEL:-6.12}")
say "building liteauth.ko for it"
ko=$(uml_build_module "${UML_KERNEL:-6.12}" "$kdir")

out=$top/build/demo
rm -rf "$out" && mkdir -p "$out"
init=$out/init.sh
{
	uml_init_preamble
	cat <<EOS
exec 2>&1
echo 1 >/proc/sys/kernel/printk		# the kernel's own messages: quiet
set -e
step() { printf '\n\033[1m[demo]\033[0m %s\n' "\$*"; }
L="$top/build/tools/liteauth --db $out/db --passphrase-file $out/passphrase"
step "loading two simulated radios and liteauth.ko (the gateway)"
insmod $kdir/drivers/net/ieee802154/mac802154_hwsim.ko
insmod $ko
sh $here/radios.sh
step "a fresh key store: a passphrase, 8 devices and the gateway"
(umask 077; \$L genkey >$out/passphrase 2>/dev/null; \$L genkey >$out/master 2>/dev/null)
$top/build/tools/liteauth-devsim keys --master $out/master --count 8 |
while read -r id key; do
	echo \$key | \$L device add \$id --key-stdin --name "sensor-\${id#00124b00001000}"
	echo "  device \$id provisioned"
done
\$L gateway add b827ebfffe000001 --generate --key-file $out/gateway.key
\$L device list
step "starting liteauthd and configuring the gateway"
$top/build/daemon/liteauthd --db $out/db --passphrase-file $out/passphrase \\
	--config /dev/null --foreground 2>$out/liteauthd.log &
daemon=\$!
sleep 1
\$L set --bind wpan0 --gateway-id b827ebfffe000001 --gateway-key-file $out/gateway.key
step "the 8 devices authenticate over the radio"
if $top/build/tools/liteauth-devsim radio --interface mon0 --pan 0xbeef \\
	--gateway 0x0001 --master $out/master --count 8 --verbose; then
	echo "demo: every device authenticated"
fi
step "liteauth show"
\$L show sessions
step "liteauth audit"
\$L audit
kill \$daemon
wait \$daemon || true
rmmod liteauth
step "done; powering the simulated gateway off"
EOS
	uml_init_poweroff
} >"$init"
chmod +x "$init"

say "booting the simulated gateway"
umldir=$out/uml-dir
mkdir -p "$umldir"
"$kdir/linux" mem=512M uml_dir="$umldir" rootfstype=hostfs rootflags=/ rw \
	init="$init" con=null con0=fd:0,fd:1 </dev/null 2>&1 |
	tr -d '\r' | tee "$out/console.log" |
	grep -v -E '^(Core dump|Checking|  Adding|This architecture|Run .* as init|  with (arguments|environment)|    /|    [A-Z]+=|sysrq|reboot)' || true
if grep -q '^demo: every device authenticated' "$out/console.log"; then
	say "success: see Documentation/gateway.rst to run liteauth on a real gateway"
	exit 0
fi
say "something went wrong: the whole console is in $out/console.log"
exit 1
