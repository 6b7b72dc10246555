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

# cross NAME ARCH CROSS_COMPILE DEFCONFIG FILE_RE LABEL: liteauth.ko
# cross-compiled with W=1 against linux-source-6.12 configured from
# DEFCONFIG and tests/build/arm64.config, once, cached beside the UML trees
# as NAME-6.12-<hash of the fragment>; FILE_RE must match file(1) of it.
src=$("$top/tests/uml/kernel.sh" "${UML_KERNEL:-6.12}")/../src
cache=${LITEAUTH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/liteauth}
cross() {
	local name=$1 flags=(ARCH="$2" CROSS_COMPILE="$3") defconfig=$4 st
	local tree
	tree=$cache/$name-6.12-$(sha256sum <"$here/arm64.config" | cut -c1-12)
	if [ ! -f "$tree/.prepared" ]; then
		rm -rf "$tree" && mkdir -p "$tree"
		{
			make -C "$src" O="$tree" "${flags[@]}" "$defconfig" &&
			"$src/scripts/kconfig/merge_config.sh" -m -O "$tree" \
				"$tree/.config" "$here/arm64.config" &&
			make -C "$src" O="$tree" "${flags[@]}" olddefconfig &&
			make -C "$src" O="$tree" "${flags[@]}" -j"$(nproc)" modules_prepare &&
			touch "$tree/.prepared"
		} >"$out/$name-prepare.log" 2>&1
	fi
	# Without a full kernel build there is no Module.symvers: modpost's
	# unresolved symbols are warnings, and only those are allowed.
	"$top/tools/build/kmod.sh" "$out/kmod-$name" "$tree" "${flags[@]}" W=1 \
		KBUILD_MODPOST_WARN=1 >"$out/$name.log" 2>&1
	st=$?
	file "$out/kmod-$name/kmod/liteauth.ko" 2>/dev/null | grep -q "$5" || st=1
	result "$6: liteauth.ko cross-compiles with W=1 without warnings" \
		"$out/$name.log" $st
}
cross arm64 arm64 aarch64-linux-gnu- defconfig 'ARM aarch64' \
	"arm64 (linux-source-6.12)"
# 32-bit ARM: the same fragment over multi_v7_defconfig.
cross arm arm arm-linux-gnueabihf- multi_v7_defconfig 'ELF 32-bit.*ARM' \
	"32-bit ARM (linux-source-6.12, multi_v7)"

# sparse, against both UML trees
for v in 6.1 "${UML_KERNEL:-6.12}"; do
	"$top/tools/build/kmod.sh" "$out/kmod-sparse-$v" \
		"$("$top/tests/uml/kernel.sh" "$v")" ARCH=um C=1 \
		>"$out/sparse-$v.log" 2>&1
	result "sparse (C=1, UML $v): no warnings" "$out/sparse-$v.log" $?
done

# DKMS, as a Pi user would run it, against Debian's headers.
name=liteauth ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
rel=$(sed -n 's/^#define LITEAUTH_RELEASE[[:space:]]*"\(.*\)"/\1/p' \
	"$top/tools/lib/version.h")
[ "$ver" = "$rel" ]
result "dkms.conf's version $ver is the release, $rel (tools/lib/version.h)" \
	/dev/null $?
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
