#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kmod.sh OUTDIR KDIR [MAKE-ARGS...]: build liteauth.ko against the kernel
# build tree KDIR, in OUTDIR, and print the path of the module.
#
# OUTDIR is a tree of symlinks to the module's sources (the top-level Kbuild,
# kmod/ and uapi/), so that builds against several kernels (UML 6.1 and
# 6.12, the distro kernel, arm64) never share object files and the checkout
# stays clean. Extra arguments go to make: ARCH=um, W=1, C=1, ...
set -eu

out=${1:?usage: kmod.sh OUTDIR KDIR [MAKE-ARGS...]}
kdir=${2:?usage: kmod.sh OUTDIR KDIR [MAKE-ARGS...]}
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
(cd "$top" && find Kbuild kmod uapi -name Kbuild -o -name '*.[ch]') |
while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	ln -s "$top/$f" "$out/$f"
done

make -C "$kdir" M="$out" "$@" modules >&2
echo "$out/kmod/liteauth.ko"
