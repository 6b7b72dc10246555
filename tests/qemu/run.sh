#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [ARCH...] (arm64, armhf; default both): liteauth.ko on Debian's
# own kernels for a Raspberry Pi's two userlands, booted under QEMU (-M
# virt, TCG). For each ARCH: the image of tests/qemu/image.sh (Debian's
# kernel, its headers, a busybox initramfs), liteauth.ko cross-built
# against those headers (modpost with the kernel's real Module.symvers),
# tests/qemu/genl-probe.c linked statically, both added to the initramfs
# with the smoke scenario below, and the guest booted once:
#
#   the radio stack and mac802154_hwsim load (modprobe, from the image's
#   modules), liteauth.ko loads with insmod, /sys/module/liteauth is live,
#   its generic netlink family is registered and answers a GET dump, a SET
#   binds it to wpan0, rmmod unloads it with the binding in place and the
#   family is gone, it loads and unloads once more;
#
# then, with liteauthd, liteauth and liteauth-devsim cross-built against
# Debian's ARCH libraries (tests/qemu/userland.sh) and in the initramfs
# with every shared library they need, tests/uml/demo.sh's gateway: the
# radios of tests/uml/radios.sh, a fresh key store, liteauthd registered
# with the module, 8 new devices at once against a budget of 3 unknown
# ones (3 authenticate, the rest are dropped: drop-rate-unknown), then all
# 8 with no limit, 8 sessions established, liteauthd stopped, rmmod with
# the sessions in it. Last, the kernel log is free of BUG/WARNING/Oops.
#
# One KTAP line per check, each naming the arch and the kernel release,
# and a closing line per arch (also in $RESULTS/qemu-ARCH when RESULTS is
# set); then the total. Logs in build/qemu-ARCH/. QEMU_TIMEOUT (300 s)
# bounds each guest, QEMU_SMP (2) its CPUs; QEMU_USERSPACE_CFLAGS goes
# to the userspace's cross build (after CFLAGS, before the Makefile's own
# flags).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# ktap_result and ktap_total.
# shellcheck source=tests/uml/lib.sh
. "$top/tests/uml/lib.sh"
[ $# -gt 0 ] || set -- arm64 armhf
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# scenario LABEL KVER: the guest's /scenario.sh.
scenario() {
	cat <<EOS
#!/bin/sh
L="$1"
echo "# guest up after \$(cut -d' ' -f1 /proc/uptime) s of kernel uptime"
# check WHAT COMMAND...: one KTAP line, and the command's output.
check() {
	what=\$1
	shift
	if "\$@" >/tmp/out 2>&1; then
		echo "ok - \$L: \$what"
	else
		echo "not ok - \$L: \$what (status \$?)"
	fi
	sed 's/^/#   /' /tmp/out
}
check "the guest runs $2" [ "\$(uname -r)" = "$2" ]
check "modprobe mac802154_hwsim (and ieee802154, mac802154)" modprobe mac802154_hwsim
check "modprobe ieee802154_6lowpan (and 6lowpan)" modprobe ieee802154_6lowpan
check "mac802154_hwsim made wpan0 and wpan1" [ -d /sys/class/net/wpan0 -a -d /sys/class/net/wpan1 ]
check "insmod liteauth.ko" insmod /liteauth.ko
check "/sys/module/liteauth is live" grep -qx live /sys/module/liteauth/initstate
# Which implementations the kernel's crypto API found for it.
for alg in 'ccm(aes)' 'cmac(aes)'; do
	drv=\$(awk -v a="\$alg" '\$1 == "name" && \$3 == a { getline; print \$3 }' /proc/crypto | tr '\n' ' ')
	echo "# \$alg: \$drv"
done
echo "# liteauth taints the kernel with: \$(cat /sys/module/liteauth/taint)"
echo "# modules: \$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
check "generic netlink family liteauth is registered" genl-probe family
check "LITEAUTH_CMD_GET dump answers" genl-probe dump
ip link set wpan0 up
check "LITEAUTH_CMD_SET binds wpan0" genl-probe bind wpan0
check "LITEAUTH_CMD_GET dump after the bind" genl-probe dump
check "rmmod liteauth, bound to wpan0" rmmod liteauth
check "/sys/module/liteauth is gone" [ ! -e /sys/module/liteauth ]
gone() { genl-probe family; [ \$? -eq 2 ]; }
check "the family is gone after rmmod" gone
check "insmod liteauth.ko again" insmod /liteauth.ko
check "the family is back" genl-probe family
check "rmmod liteauth again" rmmod liteauth
echo "# smoke scenario ends after \$(cut -d' ' -f1 /proc/uptime) s of kernel uptime"
# On the same radios: tests/uml/radios.sh counts on phy0 and phy1 being
# mac802154_hwsim's first two, which a reload would renumber.
# (radios.sh sets the PAN and address of wpan0, which must be down then.)
ip link set wpan0 down
[ ! -x /gateway.sh ] || /gateway.sh
check "rmmod mac802154_hwsim" rmmod mac802154_hwsim
echo "--- dmesg begin"
dmesg
echo "--- dmesg end"
echo "--- scenario done"
EOS
}

# gateway LABEL: the guest's /gateway.sh, which the scenario runs when
# the userspace is there: tests/uml/demo.sh's gateway in the guest, with
# a verdict per step, and a flood of HELLOs held to the interface's budget.
gateway() {
	cat <<EOS
#!/bin/sh
L="$1"
cd /tmp
export LD_LIBRARY_PATH=/lib
check() {
	what=\$1
	shift
	if "\$@" >/tmp/out 2>&1; then
		echo "ok - \$L: \$what"
	else
		echo "not ok - \$L: \$what (status \$?)"
	fi
	sed 's/^/#   /' /tmp/out
}
T="liteauth --db /tmp/db --passphrase-file /tmp/passphrase"
check "liteauthd, liteauth and liteauth-devsim run here" sh -c 'liteauthd --version && liteauth --version && liteauth-devsim --version'
# Debian's ieee802154_socket has no net-pf-36 alias: a raw 802.15.4
# socket (liteauth-devsim's) does not load it by itself.
check "modprobe ieee802154_socket" modprobe ieee802154_socket
check "insmod liteauth.ko" insmod /liteauth.ko
check "the radios of tests/uml/radios.sh (iwpan, wpan-hwsim)" sh /radios.sh
provision() {
	(umask 077; \$T genkey >/tmp/passphrase && \$T genkey >/tmp/master) &&
	liteauth-devsim keys --master /tmp/master --count 8 >/tmp/keys &&
	while read -r id key; do
		echo "\$key" | \$T device add "\$id" --key-stdin --name "s-\$id" || return 1
	done </tmp/keys &&
	\$T gateway add b827ebfffe000001 --generate --key-file /tmp/gateway.key &&
	\$T device list
}
check "a fresh key store: 8 devices and the gateway (liteauth)" provision
liteauthd --db /tmp/db --passphrase-file /tmp/passphrase --config /dev/null \\
	--foreground 2>/tmp/liteauthd.log &
daemon=\$!
# liteauthd has registered with the module when the module says so.
registered() {
	i=0
	while [ \$i -lt 30 ]; do
		liteauth show gateway 2>/dev/null | grep -qw registered && return 0
		sleep 1
		i=\$((i + 1))
	done
	return 1
}
check "liteauthd starts and registers with liteauth.ko" registered
# Before any HELLO on wpan0, so that its budgets start under these
# limits: 3 HELLOs of devices the gateway does not know yet, then one a
# minute.
check "liteauth set --bind wpan0, the gateway's identity, rate-unknown=1, burst-unknown=3" \\
	\$T set --bind wpan0 --gateway-id b827ebfffe000001 \\
	--gateway-key-file /tmp/gateway.key --limit rate-unknown=1 --limit burst-unknown=3
radio() {
	liteauth-devsim radio --interface mon0 --pan 0xbeef --gateway 0x0001 \\
		--master /tmp/master --state /tmp/ctr "\$@"
}
counter() { liteauth show counters | awk -v c="\$1" '\$1 == c { print \$2 }'; }
radio --count 8 --timeout 15 >/tmp/flood 2>&1
tail -n 1 /tmp/flood | sed 's/^/# /'
limited() {
	ok=\$(tail -n 1 /tmp/flood | sed -n 's/^\\([0-9]*\\) authenticated.*/\\1/p')
	drops=\$(counter drop-rate-unknown)
	echo "\${ok:-?} authenticated, drop-rate-unknown \${drops:-0}"
	[ "\${ok:-0}" -eq 3 ] && [ "\${drops:-0}" -gt 0 ]
}
check "8 new devices at once: the 3 of the unknown-device budget authenticate, the rest are dropped" limited
check "liteauth set --limit rate-unknown=0 (no limit)" \$T set --limit rate-unknown=0
check "then all 8 authenticate over the radio through liteauth.ko" radio --count 8
sessions() { n=\$(liteauth show sessions | grep -c established); echo "\$n established"; [ "\$n" -eq 8 ]; }
check "liteauth show sessions: 8 established" sessions
stop() { kill \$daemon && wait \$daemon; }
check "liteauthd exits 0 on SIGTERM" stop
sed 's/^/# liteauthd: /' /tmp/liteauthd.log | tail -n 5
check "rmmod liteauth with the sessions in it" rmmod liteauth
# Unload racing SETs that bind wpan0, on this guest's CPUs: liteauth.ko
# takes no command once its radio hooks are gone (la_nl_exit first), so
# no hook is left on wpan0 for a frame to run freed module text.
race() {
	round=0
	while [ \$round -lt 6 ]; do
		round=\$((round + 1))
		insmod /liteauth.ko || return 1
		pids=
		for i in 1 2 3 4; do
			( while :; do liteauth set --bind wpan0; done ) >/dev/null 2>&1 &
			pids="\$pids \$!"
		done
		sleep 0.\$round
		rmmod liteauth
		kill \$pids
		wait
		if grep ' wpan0 ' /proc/net/ptype; then
			echo "round \$round: a receive hook left on wpan0"
			return 1
		fi
	done
	echo "\$(nproc) CPUs, 6 rounds, no hook left"
}
check "6 unloads, each racing 4 loops of liteauth set --bind wpan0, leave no receive hook on wpan0" race
if grep -q ' wpan0 ' /proc/net/ptype; then
	# mac802154_hwsim could not unload (wpan0 held): stop here.
	dmesg | tail -n 40 | sed 's/^/# dmesg: /'
	poweroff -f
fi
echo "# gateway scenario ends after \$(cut -d' ' -f1 /proc/uptime) s of kernel uptime"
EOS
}

# userland ARCH OUT: liteauthd, liteauth and liteauth-devsim cross-built
# against the sysroot of tests/qemu/userland.sh into OUT/userspace, and
# put in OUT/overlay with wpan-tools and every shared library they need.
userland() {
	local arch=$1 out=$2 label=$3 ul sr triple readelf lib d found seen
	local bins=() lib_dirs=() need=() next=() more=()
	ul=$("$here/userland.sh" "$arch" 2>"$out/userland.log") || return 1
	sr=$ul/sysroot triple=${CROSS_COMPILE%-}
	# The Makefile links with $(CC) $(CFLAGS): the sysroot goes there.
	PKG_CONFIG_SYSROOT_DIR=$sr PKG_CONFIG_LIBDIR=$sr/usr/lib/$triple/pkgconfig \
		nice -n 10 make -C "$top" --no-print-directory -j"$(nproc)" \
		B="$out/userspace" CC="${CROSS_COMPILE}gcc" AR="${CROSS_COMPILE}ar" \
		CFLAGS="-O2 -g -I$sr/usr/include -I$sr/usr/include/$triple -L$sr/usr/lib/$triple -L$sr/lib/$triple -Wl,-rpath-link,$sr/usr/lib/$triple:$sr/lib/$triple ${QEMU_USERSPACE_CFLAGS:-}" \
		"$out/userspace/daemon/liteauthd" "$out/userspace/tools/liteauth" \
		"$out/userspace/tools/liteauth-devsim" >"$out/userspace.log" 2>&1 ||
		return 1
	mkdir -p "$out/overlay/usr/bin" "$out/overlay/lib"
	bins=("$out/userspace/daemon/liteauthd" "$out/userspace/tools/liteauth"
		"$out/userspace/tools/liteauth-devsim" "$sr/usr/bin/iwpan"
		"$sr/usr/bin/wpan-hwsim")
	cp "${bins[@]}" "$out/overlay/usr/bin/"
	cp "$top/tests/uml/radios.sh" "$out/overlay/radios.sh"
	# Every NEEDED library, transitively, from the sysroot or the cross
	# toolchain's C library, and the dynamic loader, all in /lib.
	readelf=${CROSS_COMPILE}readelf
	lib_dirs=("$sr/lib/$triple" "$sr/usr/lib/$triple" "/usr/$triple/lib")
	needed() { "$readelf" -d "$@" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
	read -r -a need <<<"$( { needed "${bins[@]}"
		"$readelf" -l "${bins[0]}" |
			sed -n 's|.*interpreter: .*/\([^/]*\)\]|\1|p'; } | sort -u | tr '\n' ' ')"
	seen=" "
	while [ ${#need[@]} -gt 0 ]; do
		next=()
		for lib in "${need[@]}"; do
			case "$seen" in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			found=
			for d in "${lib_dirs[@]}"; do
				if [ -e "$d/$lib" ]; then found=$d/$lib; break; fi
			done
			if [ -z "$found" ]; then
				echo "userland: $lib is in none of ${lib_dirs[*]}" >>"$out/userland.log"
				return 1
			fi
			cp -L "$found" "$out/overlay/lib/$lib"
			read -r -a more <<<"$(needed "$found" | tr '\n' ' ')"
			next+=("${more[@]}")
		done
		need=("${next[@]}")
	done
	gateway "$label" >"$out/overlay/gateway.sh"
	chmod 755 "$out/overlay/gateway.sh"
}

# one ARCH: everything for one guest; KTAP on stdout.
one() {
	local arch=$1 out=$top/build/qemu-$1 t t0 t1 t2 t3 dir ko label st bad
	local KVER PKGVER KARCH CROSS_COMPILE QEMU QEMU_MACHINE QEMU_CPU
	rm -rf "$out" && mkdir -p "$out"
	t0=$(now)
	if ! dir=$("$here/image.sh" "$arch" 2>"$out/image.log"); then
		tail -n 20 "$out/image.log" | sed 's/^/#   /'
		echo "not ok - qemu $arch: image (tests/qemu/image.sh $arch; see $out/image.log)"
		return
	fi
	# shellcheck disable=SC1091
	. "$dir/vars"
	label="qemu $arch $KVER"
	t1=$(now)
	echo "# $label: image $(secs "$t0" "$t1") s ($dir)"

	# The module, against the image's headers.
	ko=$(nice -n 10 "$top/tools/build/kmod.sh" "$out/kmod" "$dir/headers" \
		ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE" 2>"$out/kmod-build.log")
	st=$?
	bad=$(grep -E 'warning:|error:|WARNING:' "$out/kmod-build.log" | head -n 10)
	if [ $st -ne 0 ] || [ ! -f "$ko" ] || [ -n "$bad" ]; then
		echo "not ok - $label: liteauth.ko builds against linux-headers-$KVER ($PKGVER) with every symbol resolved (see $out/kmod-build.log)"
		{ { [ -n "$bad" ] && echo "$bad"; } || tail -n 10 "$out/kmod-build.log"; } |
			sed 's/^/#   /'
		return
	fi
	echo "ok - $label: liteauth.ko builds against linux-headers-$KVER ($PKGVER) with every symbol resolved"
	mkdir -p "$out/overlay/bin"
	cp "$ko" "$out/overlay/liteauth.ko"
	if ! "${CROSS_COMPILE}gcc" -static -O2 -Wall -Wextra -Werror \
		-I"$top/uapi" -o "$out/overlay/bin/genl-probe" \
		"$here/genl-probe.c" 2>"$out/genl-probe-build.log"; then
		sed 's/^/#   /' "$out/genl-probe-build.log"
		echo "not ok - $label: genl-probe builds"
		return
	fi
	t=$(now)
	if userland "$arch" "$out" "$label"; then
		echo "ok - $label: liteauthd, liteauth and liteauth-devsim cross-build against Debian's $arch libraries"
		echo "# $label: userspace $(secs "$t" "$(now)") s"
	else
		echo "not ok - $label: liteauthd, liteauth and liteauth-devsim cross-build against Debian's $arch libraries (see $out/userland.log, $out/userspace.log)"
		tail -n 5 "$out/userland.log" "$out/userspace.log" 2>/dev/null | sed 's/^/#   /'
		rm -f "$out/overlay/gateway.sh"
	fi
	scenario "$label" "$KVER" >"$out/overlay/scenario.sh"
	chmod 755 "$out/overlay/scenario.sh"
	# The kernel unpacks concatenated archives in turn: the cached base,
	# then this run's files.
	cp "$dir/base.cpio.gz" "$out/initrd"
	(cd "$out/overlay" && find . -print0 | LC_ALL=C sort -z |
		cpio -o -0 -H newc -R 0:0 --quiet) | gzip >>"$out/initrd"
	t2=$(now)
	echo "# $label: module and initramfs $(secs "$t1" "$t2") s"

	st=0
	timeout -k 10 "${QEMU_TIMEOUT:-300}" "$QEMU" -M "$QEMU_MACHINE" -cpu "$QEMU_CPU" \
		-smp "${QEMU_SMP:-2}" -m 1024 -nographic -no-reboot -nic none \
		-kernel "$dir/vmlinuz" -initrd "$out/initrd" \
		-append "console=ttyAMA0 quiet panic=-1" \
		</dev/null >"$out/console.log" 2>&1 || st=$?
	t3=$(now)
	sed -i 's/\r$//' "$out/console.log"
	echo "# $label: guest $(secs "$t2" "$t3") s (QEMU $QEMU -cpu $QEMU_CPU, TCG)"
	sed -n '/^--- dmesg begin$/,/^--- dmesg end$/p' "$out/console.log" \
		>"$out/dmesg.log"
	sed '/^--- dmesg begin$/,/^--- dmesg end$/d' "$out/console.log" |
		grep -E '^(not )?ok - |^#'
	if [ "$st" -eq 124 ] || [ "$st" -eq 137 ]; then
		echo "not ok - $label: the guest did not power off within ${QEMU_TIMEOUT:-300} s"
	elif ! grep -qx -- '--- scenario done' "$out/console.log"; then
		echo "not ok - $label: the scenario ran to the end (QEMU status $st; see $out/console.log)"
		tail -n 15 "$out/console.log" | sed 's/^/#   /'
	else
		echo "ok - $label: the scenario ran to the end and the guest powered off"
	fi
	# The console holds what the kernel said at levels quiet lets through,
	# the dmesg dump all the rest.
	bad=$(cat "$out/console.log" "$out/dmesg.log" |
		grep -E 'WARNING:|BUG:|Oops|Kernel panic|Call trace|UBSAN:|Unable to handle' |
		sort -u | head -n 5)
	if [ -s "$out/dmesg.log" ] && [ -z "$bad" ]; then
		echo "ok - $label: kernel log free of BUG/WARNING/Oops"
	else
		echo "not ok - $label: kernel log free of BUG/WARNING/Oops"
		echo "#   ${bad:-no kernel log}" | sed '2,$s/^/#   /'
	fi
	echo "# $label: all $(secs "$t0" "$t3") s"
}

mkdir -p "$top/build"
# The totals ktap_result adds to and ktap_total prints.
# shellcheck disable=SC2034
total_p=0 total_f=0 total_s=0
for arch in "$@"; do
	echo "== qemu $arch"
	one "$arch" 2>&1 | tee "$top/build/qemu-$arch.log"
	ktap_result "$top/build/qemu-$arch.log" "" "qemu $arch" "qemu-$arch"
done
ktap_total qemu
