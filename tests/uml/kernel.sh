#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh VERSION [debug] (or VERSION-debug): build (once) a User-Mode Linux kernel from Debian's
# linux-source-VERSION, with the patches in tests/uml/patches applied and
# tests/uml/kernel.config merged over the UML defconfig, and print the
# directory of the build (the O= tree that out-of-tree modules build
# against, holding the `linux` binary).
#
# Builds are cached outside the checkout, in $LITEAUTH_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/liteauth), keyed by kernel version, Debian
# package version and a hash of the config fragment and patches; stale builds of the
# same version are removed once a new one is complete. Progress goes to
# stderr, the path alone to stdout.
set -euo pipefail

ver=${1:?usage: kernel.sh VERSION (6.1 or 6.12) [debug]}
variant=${2:-}
# "6.12-debug" is "6.12 debug".
case "$ver" in
*-debug) ver=${ver%-debug} variant=debug ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
say() { echo "  [uml $ver] $*" >&2; }

pkg=linux-source-$ver
"$top/tools/build/need-debs.sh" "$pkg" make gcc flex bison bc libelf-dev \
	libssl-dev xz-utils patch
pkgver=$(dpkg-query -W -f='${Version}' "$pkg")
frags=("$here/kernel.config")
[ -z "$variant" ] || frags+=("$here/kernel-$variant.config")
cfghash=$(cat "${frags[@]}" "$here"/patches/*.patch | sha256sum | cut -c1-12)
cache=${LITEAUTH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/liteauth}
name=uml-$ver${variant:+-$variant}-$pkgver-$cfghash
dir=$cache/$name

if [ -f "$dir/.built" ]; then
	echo "$dir/build"
	exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
	say "another build of $name is running; waiting for it"
	flock 9
fi
if [ -f "$dir/.built" ]; then
	echo "$dir/build"
	exit 0
fi

if [ ! -f "$dir/.extracted" ]; then
	say "extracting /usr/src/$pkg.tar.xz into $dir/src"
	rm -rf "$dir/src"
	mkdir -p "$dir/src"
	tar -xf "/usr/src/$pkg.tar.xz" -C "$dir/src" --strip-components=1
	for p in "$here"/patches/*.patch; do
		say "applying ${p##*/}"
		patch -d "$dir/src" -p1 -s <"$p"
	done
	touch "$dir/.extracted"
fi

log=$dir/build.log
: >"$log"
mk() { make -C "$dir/src" O="$dir/build" ARCH=um "$@"; }

say "configuring (defconfig + tests/uml/kernel.config)"
mk defconfig >>"$log" 2>&1
"$dir/src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
	"$dir/build/.config" "${frags[@]}" >>"$log" 2>&1
mk olddefconfig >>"$log" 2>&1

# Every option the fragment asks for must have survived olddefconfig: a
# dependency we forgot would otherwise silently drop, say, the radio driver.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qx -- "$line" "$dir/build/.config"; then
			say "config: wanted $line, got: $(grep -E "^(# )?${line%%=*}[= ]" \
				"$dir/build/.config" || echo 'not present')"
			bad=1
		fi
		;;
	esac
done < <(cat "${frags[@]}")
[ $bad -eq 0 ] || { say "config fragment not satisfied"; exit 1; }

jobs=$(($(nproc) + 1))
say "building linux and modules with -j$jobs (about 8-10 minutes; log: $log)"
start=$(date +%s)
mk -j"$jobs" linux modules >>"$log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 30
	kill -0 "$pid" 2>/dev/null || break
	n=$(grep -c '^  CC' "$log" || true)
	say "$n files compiled, $(($(date +%s) - start)) s"
done
if ! wait "$pid"; then
	say "build failed; last lines of $log:"
	tail -n 30 "$log" >&2
	exit 1
fi
say "built in $(($(date +%s) - start)) s"
touch "$dir/.built"

# Remove builds of this version under other keys: they are a few GiB each.
for old in "$cache"/uml-"$ver${variant:+-$variant}"-[0-9]*; do
	[ "$old" = "$dir" ] || [ ! -d "$old" ] || { say "removing stale $old"; rm -rf "$old"; }
done
echo "$dir/build"
