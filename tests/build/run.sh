#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: liteauth.ko builds cleanly wherever a gateway runs it. One KTAP
# line each:
#   - Debian's own kernel (linux-headers-amd64), with W=1;
#   - arm64 (a Raspberry Pi), cross-compiled with W=1 against
#     linux-source-6.12 configured for arm64 with tests/build/arm64.config;
#   - 32-bit ARM (32-bit Raspberry Pi OS), the same for multi_v7: a long is
#     32 bits there, and GCC's -Woverflow catches constant arithmetic that
#     overflows it (60 * NSEC_PER_SEC, say);
#   - sparse (C=1) against the UML 6.1 and 6.12 trees;
#   - DKMS, from dkms.conf, against Debian's kernel headers.
# The UML builds themselves are checked by tests/uml/kunit.sh.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/build-checks
mkdir -p "$out"
"$top/tools/build/need-debs.sh" linux-headers-amd64 gcc-aarch64-linux-gnu \
	gcc-arm-linux-gnueabihf sparse dkms >&2 || { echo "not ok - build checks: packages missing"; exit 0; }

# result NAME LOG STATUS: a KTAP line; warnings in LOG fail it.
result() {
	local bad
	bad=$(grep -E 'warning:|error:' "$2" | grep -v 'modpost: .* undefined' | head -n 10)
	if [ "$3" -eq 0 ] && [ -z "$bad" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1 (see $2)"
		{ [ -n "$bad" ] && echo "$bad"; } || tail -n 5 "$2"
	fi | sed '2,$s/^/#   /'
}

# Debian's kernel: the newest installed headers.
hdr=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1)
kver=${hdr#/usr/src/linux-headers-}
"$top/tools/build/kmod.sh" "$out/kmod-distro" "$hdr" W=1 \
	>"$out/distro.log" 2>&1
result "Debian kernel $kver: liteauth.ko builds with W=1 without warnings" \
	"$out/distro.log" $?

# arm64: configure once, cached beside the UML trees.
src=$("$top/tests/uml/kernel.sh" 6.12)/../src
cache=${LITEAUTH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/liteauth}
arm=$cache/arm64-6.12-$(cat "$here/arm64.config" | sha256sum | cut -c1-12)
cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
if [ ! -f "$arm/.prepared" ]; then
	rm -rf "$arm" && mkdir -p "$arm"
	{
		make -C "$src" O="$arm" "${cross[@]}" defconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$arm" \
			"$arm/.config" "$here/arm64.config" &&
		make -C "$src" O="$arm" "${cross[@]}" olddefconfig &&
		make -C "$src" O="$arm" "${cross[@]}" -j"$(nproc)" modules_prepare &&
		touch "$arm/.prepared"
	} >"$out/arm64-prepare.log" 2>&1
fi
# Without a full kernel build there is no Module.symvers: modpost's
# unresolved symbols are warnings, and only those are allowed.
"$top/tools/build/kmod.sh" "$out/kmod-arm64" "$arm" "${cross[@]}" W=1 \
	KBUILD_MODPOST_WARN=1 >"$out/arm64.log" 2>&1
st=$?
file "$out/kmod-arm64/kmod/liteauth.ko" 2>/dev/null | grep -q 'ARM aarch64' || st=1
result "arm64 (linux-source-6.12): liteauth.ko cross-compiles with W=1 without warnings" \
	"$out/arm64.log" $st

# 32-bit ARM: the same fragment over multi_v7_defconfig.
arm32=$cache/arm-6.12-$(cat "$here/arm64.config" | sha256sum | cut -c1-12)
cross32=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-)
if [ ! -f "$arm32/.prepared" ]; then
	rm -rf "$arm32" && mkdir -p "$arm32"
	{
		make -C "$src" O="$arm32" "${cross32[@]}" multi_v7_defconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$arm32" \
			"$arm32/.config" "$here/arm64.config" &&
		make -C "$src" O="$arm32" "${cross32[@]}" olddefconfig &&
		make -C "$src" O="$arm32" "${cross32[@]}" -j"$(nproc)" modules_prepare &&
		touch "$arm32/.prepared"
	} >"$out/arm32-prepare.log" 2>&1
fi
"$top/tools/build/kmod.sh" "$out/kmod-arm32" "$arm32" "${cross32[@]}" W=1 \
	KBUILD_MODPOST_WARN=1 >"$out/arm32.log" 2>&1
st=$?
file "$out/kmod-arm32/kmod/liteauth.ko" 2>/dev/null | grep -q 'ELF 32-bit.*ARM' || st=1
result "32-bit ARM (linux-source-6.12, multi_v7): liteauth.ko cross-compiles with W=1 without warnings" \
	"$out/arm32.log" $st

# sparse, against both UML trees
for v in 6.1 6.12; do
	"$top/tools/build/kmod.sh" "$out/kmod-sparse-$v" \
		"$("$top/tests/uml/kernel.sh" "$v")" ARCH=um C=1 \
		>"$out/sparse-$v.log" 2>&1
	result "sparse (C=1, UML $v): no warnings" "$out/sparse-$v.log" $?
done

# DKMS, as a Pi user would run it, against Debian's headers.
name=liteauth ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
dkms remove "$name/$ver" --all >/dev/null 2>&1
rm -rf "/usr/src/$name-$ver"
mkdir -p "/usr/src/$name-$ver"
(cd "$top" && cp -r dkms.conf Kbuild kmod uapi "/usr/src/$name-$ver/")
{
	dkms add "$name/$ver" && dkms build "$name/$ver" -k "$kver"
} >"$out/dkms.log" 2>&1
st=$?
ls /var/lib/dkms/"$name/$ver/$kver"/*/module/liteauth.ko* >/dev/null 2>&1 || st=1
result "dkms build $name/$ver for $kver" "$out/dkms.log" $st
dkms remove "$name/$ver" --all >/dev/null 2>&1
rm -rf "/usr/src/$name-$ver"
