#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# userland.sh ARCH (arm64 or armhf): make (once) a sysroot of Debian's ARCH
# libraries that liteauthd, liteauth and liteauth-devsim link against
# (OpenSSL, Berkeley DB, libnl), with wpan-tools (iwpan, wpan-hwsim) for the
# guest's radios, and print its directory. The C library comes from the
# cross toolchain's libc6-dev-*-cross, as for any cross build.
#
# Why not apt-get install libssl-dev:ARCH and the like: libdb5.3-dev is
# not Multi-Arch: same, and apt removes the host's libdb5.3-dev to install
# the foreign one (apt-get install -s says so), which would break the
# host's own build. So the packages are fetched with `apt-get download` and
# unpacked with dpkg-deb, like tests/qemu/image.sh does, into
# $LITEAUTH_CACHE/qemu-ARCH-userland-<hash of the versions and this
# script>. Progress goes to stderr, the path alone to stdout.
set -euo pipefail

arch=${1:?usage: userland.sh ARCH (arm64 or armhf)}
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "  [qemu $arch userland] $*" >&2; }
die() { say "error: $*"; exit 1; }
case "$arch" in
arm64|armhf) ;;
*) die "unknown ARCH '$arch': arm64 or armhf" ;;
esac
# The foreign architecture and its lists: image.sh sees to them.
"$here/image.sh" "$arch" >/dev/null

pkgs="libssl-dev libssl3 libdb5.3-dev libdb5.3 libnl-3-dev libnl-3-200
libnl-genl-3-dev libnl-genl-3-200 wpan-tools"
args=()
for p in $pkgs; do
	args+=("$p:$arch")
done
# "PACKAGE VERSION" per line; one apt-cache call for all.
cands=$(apt-cache policy "${args[@]}" 2>/dev/null | awk '
	/^[^ ]/ { p = $1; sub(/:$/, "", p) }
	/^ *Candidate:/ && $2 != "(none)" { print p, $2 }')
want=()
for p in "${args[@]}"; do
	v=$(echo "$cands" | awk -v p="$p" '$1 == p { print $2 }')
	[ -n "$v" ] || die "no $p in apt's lists"
	want+=("$p=$v")
done
key=$( { echo "${want[*]}"; cat "$0"; } | sha256sum | cut -c1-12)
cache=${LITEAUTH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/liteauth}
dir=$cache/qemu-$arch-userland-$key
if [ -f "$dir/.built" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
if [ -f "$dir/.built" ]; then
	echo "$dir"
	exit 0
fi
rm -rf "$dir/debs" "$dir/sysroot"
mkdir -p "$dir/debs" "$dir/sysroot"
say "downloading ${want[*]}"
(cd "$dir/debs" && apt-get download -q -o APT::Sandbox::User="$(id -un)" \
	"${want[@]}" >&2) ||
	die "apt-get download failed (apt-get update, as root, may help)"
for d in "$dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$dir/sysroot"
done
rm -rf "$dir/debs"
touch "$dir/.built"
for old in "$cache"/qemu-"$arch"-userland-*; do
	[ "$old" = "$dir" ] || [ ! -d "$old" ] || rm -rf "$old"
done
echo "$dir"
