#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# image.sh ARCH (arm64 or armhf): make (once) what tests/qemu/run.sh boots
# under QEMU, from Debian's own packages for ARCH, and print its directory:
#
#   vmlinuz           Debian's kernel (linux-image-<abi>-arm64 / -armmp)
#   base.cpio.gz      an initramfs: a static busybox (busybox-static:ARCH),
#                     /init, and the kernel's modules the scenarios need
#                     (the radio stack, mac802154_hwsim, the crypto behind
#                     ccm(aes) and cmac(aes)), with their modules.dep
#   headers           that kernel's headers tree (linux-headers-<abi>-FLAVOUR
#                     over linux-headers-<abi>-common, with the amd64
#                     linux-kbuild for its scripts), to build liteauth.ko
#                     against its real Module.symvers
#   vars              KVER, PKGVER, KARCH, CROSS_COMPILE, QEMU,
#                     QEMU_MACHINE, QEMU_CPU
#
# The packages are fetched with `apt-get download` and unpacked with
# dpkg-deb, never installed; ARCH is added to dpkg's architectures (and the
# package lists updated) if it is not there. Everything goes to
# $LITEAUTH_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/liteauth), in
# qemu-ARCH-<kernel release>-<hash of the package versions and this
# script>; a second run with the same packages rebuilds nothing, and older
# images of ARCH are removed once a new one is complete. Progress goes to
# stderr, the path alone to stdout.
set -euo pipefail

arch=${1:?usage: image.sh ARCH (arm64 or armhf)}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
say() { echo "  [qemu $arch] $*" >&2; }
die() { say "error: $*"; exit 1; }

case "$arch" in
arm64)
	flavour=arm64 karch=arm64 cross=aarch64-linux-gnu-
	gcc=gcc-aarch64-linux-gnu libc=libc6-dev-arm64-cross
	qemu=qemu-system-aarch64 machine=virt cpu=cortex-a53
	;;
armhf)
	flavour=armmp karch=arm cross=arm-linux-gnueabihf-
	gcc=gcc-arm-linux-gnueabihf libc=libc6-dev-armhf-cross
	# With QEMU's default highmem, the armmp kernel's PCI host does not
	# probe ("can't claim ECAM area ... address conflict"); with
	# highmem=off it does.
	qemu=qemu-system-arm machine=virt,highmem=off cpu=cortex-a15
	;;
*) die "unknown ARCH '$arch': arm64 or armhf" ;;
esac

# The host's tools: QEMU (qemu-system-arm has both binaries), the cross
# compiler with its C library (run.sh links a static probe), depmod, cpio.
"$top/tools/build/need-debs.sh" qemu-system-arm "$gcc" "$libc" kmod cpio \
	gzip make >&2

# Each apt-cache call reads every package list (seconds on a loaded
# machine), so they are few: the kernel the metapackage points at first,
# then the candidate versions of everything at once.
meta=linux-image-$flavour:$arch
# (No `| grep -q` or `| head` here: under pipefail, the writer's SIGPIPE
# when they stop reading early would fail the test.)
depends() {
	apt-cache depends "$meta" 2>/dev/null |
		awk '/^ *Depends: linux-image-/ && !n++ { sub(/:.*/, "", $2); print $2 }'
}
foreign() { case " $(dpkg --print-foreign-architectures | tr '\n' ' ') " in *" $arch "*) ;; *) return 1 ;; esac; }
img=$(depends)
if [ -z "$img" ] || ! foreign; then
	[ "$(id -u)" -eq 0 ] ||
		die "Debian's $arch packages are not in apt's lists; as root: dpkg --add-architecture $arch && apt-get update"
	foreign || {
		say "adding the $arch architecture to dpkg"
		dpkg --add-architecture "$arch"
	}
	say "apt-get update (for the $arch package lists)"
	apt-get update -q >&2
	img=$(depends)
fi
[ -n "$img" ] || die "cannot tell which kernel $meta depends on"
kver=${img#linux-image-}
abi=${kver%-"$flavour"}
hdr=linux-headers-$kver
common=linux-headers-$abi-common
# The headers depend on linux-kbuild-MAJOR.MINOR (6.1 for 6.1.0-57): the
# amd64 one, since its scripts run on this machine.
kbuild=linux-kbuild-$(echo "$kver" | cut -d. -f1-2)
# candidates: "PACKAGE VERSION" per line, as apt-cache policy lists them.
cands=$(apt-cache policy "$img:$arch" "$hdr:$arch" "$common" "$kbuild" \
	"busybox-static:$arch" 2>/dev/null | awk '
	/^[^ ]/ { p = $1; sub(/:$/, "", p) }
	/^ *Candidate:/ && $2 != "(none)" { print p, $2 }')
candidate() { echo "$cands" | awk -v p="$1" '$1 == p { print $2 }'; }
pkgver=$(candidate "$img:$arch")
[ -n "$pkgver" ] || die "no $img:$arch in apt's lists"
for p in "$hdr:$arch" "$common" "$kbuild"; do
	[ "$(candidate "$p")" = "$pkgver" ] ||
		die "$p is at '$(candidate "$p")', not $pkgver like $img:$arch"
done
bbver=$(candidate "busybox-static:$arch")
[ -n "$bbver" ] || die "no busybox-static:$arch in apt's lists"

key=$( { echo "$img $hdr $common $kbuild $pkgver busybox-static $bbver"
	cat "$0"; } | sha256sum | cut -c1-12)
cache=${LITEAUTH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/liteauth}
dir=$cache/qemu-$arch-$kver-$key

if [ -f "$dir/.built" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -n 9; then
	say "another build of ${dir##*/} is running; waiting for it"
	flock 9
fi
if [ -f "$dir/.built" ]; then
	echo "$dir"
	exit 0
fi
start=$(date +%s)
rm -rf "$dir/debs" "$dir/image" "$dir/root" "$dir/initramfs"
mkdir -p "$dir/debs"

say "downloading $img $hdr $common $kbuild ($pkgver), busybox-static ($bbver)"
# As root, apt-get download would fetch as the _apt user, who cannot write
# to a cache under root's home (it warns and fetches as root): fetch as
# whoever runs this.
download() {
	(cd "$dir/debs" && apt-get download -q -o APT::Sandbox::User="$(id -un)" \
		"$img:$arch=$pkgver" \
		"$hdr:$arch=$pkgver" "$common=$pkgver" "$kbuild=$pkgver" \
		"busybox-static:$arch=$bbver" >&2)
}
if ! download; then
	# A version that apt's lists name may be gone from the mirror once a
	# newer one is out; fresh lists may name another kernel: start over.
	if [ "$(id -u)" -ne 0 ] || [ -n "${LITEAUTH_QEMU_UPDATED:-}" ]; then
		die "apt-get download failed (apt-get update, as root, may help)"
	fi
	say "apt-get download failed: apt-get update, and once more"
	apt-get update -q >&2
	rm -rf "$dir"
	LITEAUTH_QEMU_UPDATED=1 exec "$0" "$arch"
fi

say "unpacking"
# The image goes to a scratch tree (its modules are some 300 MB); the
# headers, the common headers and kbuild to root/, where the headers'
# relative symlinks (scripts -> ../../lib/linux-kbuild-*/scripts) resolve.
mkdir -p "$dir/image" "$dir/root" "$dir/initramfs"
dpkg-deb -x "$dir/debs/${img}_"*"_$arch.deb" "$dir/image"
for d in "$dir/debs/${hdr}_"*.deb "$dir/debs/${common}_"*.deb \
	"$dir/debs/${kbuild}_"*.deb; do
	dpkg-deb -x "$d" "$dir/root"
done
dpkg-deb -x "$dir/debs/busybox-static_"*"_$arch.deb" "$dir/image/bb"

# The headers' Makefile includes the common one by its absolute path,
# /usr/src/linux-headers-<abi>-common/Makefile: point it at ours.
hdir=$dir/root/usr/src/$hdr
if [ ! -f "$hdir/Makefile" ] || [ ! -f "$hdir/Module.symvers" ]; then
	die "$hdr has no Makefile or Module.symvers"
fi
grep -q "^include /usr/src/$common/Makefile\$" "$hdir/Makefile" ||
	die "$hdir/Makefile does not include /usr/src/$common/Makefile"
sed -i "s|^include /usr/src/$common/|include $dir/root/usr/src/$common/|" \
	"$hdir/Makefile"
ln -sfn "root/usr/src/$hdr" "$dir/headers"
cp "$dir/image/boot/vmlinuz-$kver" "$dir/vmlinuz"
cp "$dir/image/boot/config-$kver" "$dir/config"

# The modules: these, what the kernel's crypto API asks modprobe for when
# liteauth.ko allocates ccm(aes) and cmac(aes) (every module offering each
# alias, the generic and the CPU's), and everything they depend on.
mods="mac802154_hwsim ieee802154_6lowpan ieee802154_socket ccm cmac ctr"
aliases="crypto-ccm(aes) crypto-ccm crypto-ccm_base crypto-cmac(aes)
crypto-cmac crypto-ctr(aes) crypto-ctr crypto-cbcmac(aes) crypto-cbcmac
crypto-aes"
mdir=lib/modules/$kver
say "depmod over the image's modules"
depmod -b "$dir/image" "$kver"
list=$(awk -v mods="$mods" -v aliases="$aliases" '
	# modules.alias: "alias NAME MODULE"; modules.dep: "path: deps..."
	FILENAME ~ /modules\.alias$/ {
		n = split(aliases, a, "\n| ")
		for (i = 1; i <= n; i++)
			if ($2 == a[i])
				want[$3] = 1
		next
	}
	{
		path = $1
		sub(/:$/, "", path)
		name = path
		sub(/.*\//, "", name)
		sub(/\.ko(\.[a-z]+)?$/, "", name)
		gsub(/-/, "_", name)
		deps[path] = ""
		for (i = 2; i <= NF; i++)
			deps[path] = deps[path] " " $i
		byname[name] = path
	}
	END {
		n = split(mods, m, " ")
		for (i = 1; i <= n; i++)
			want[m[i]] = 1
		for (w in want) {
			if (!(w in byname)) {
				print "missing " w
				continue
			}
			p = byname[w]
			out[p] = 1
			k = split(deps[p], d, " ")
			for (j = 1; j <= k; j++)
				out[d[j]] = 1
		}
		for (p in out)
			print p
	}' "$dir/image/$mdir/modules.alias" "$dir/image/$mdir/modules.dep" | sort)
if echo "$list" | grep '^missing '; then
	# Built in (=y) is fine; anything else is not.
	for m in $(echo "$list" | sed -n 's/^missing //p'); do
		grep -q "/${m//_/[-_]}\.ko" "$dir/image/$mdir/modules.builtin" ||
			die "module $m is neither in the image nor built in"
	done
	list=$(echo "$list" | grep -v '^missing ')
fi
say "modules in the initramfs: $(echo "$list" | sed 's|.*/||' | tr '\n' ' ')"

ird=$dir/initramfs
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/tmp" \
	"$ird/$mdir" "$ird/sbin" "$ird/usr/bin" "$ird/usr/sbin"
cp "$dir/image/bb/bin/busybox" "$ird/bin/busybox"
for p in $list; do
	mkdir -p "$ird/$mdir/$(dirname "$p")"
	cp "$dir/image/$mdir/$p" "$ird/$mdir/$p"
done
cp "$dir/image/$mdir/modules.builtin" "$dir/image/$mdir/modules.builtin.modinfo" \
	"$dir/image/$mdir/modules.order" "$ird/$mdir/"
depmod -b "$ird" "$kver"

# /init: busybox's applets, /proc, /sys, /dev; busybox's modprobe for the
# kernel's requests; then /scenario.sh, which run.sh adds in a second
# archive, and power off (QEMU runs with -no-reboot and exits).
cat >"$ird/init" <<'EOS'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
# The archive has no /dev/console of its own; from here on, the standard
# streams are devtmpfs's console, whatever init was started with.
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
echo /sbin/modprobe >/proc/sys/kernel/modprobe
if [ -x /scenario.sh ]; then
	/scenario.sh
else
	echo "init: no /scenario.sh"
fi
echo "init: powering off"
poweroff -f
EOS
chmod 755 "$ird/init"
(cd "$ird" && find . -print0 | LC_ALL=C sort -z |
	cpio -o -0 -H newc -R 0:0 --quiet) | gzip -9 >"$dir/base.cpio.gz"

cat >"$dir/vars" <<EOF
KVER=$kver
PKGVER=$pkgver
KARCH=$karch
CROSS_COMPILE=$cross
QEMU=$qemu
QEMU_MACHINE=$machine
QEMU_CPU=$cpu
EOF
rm -rf "$dir/image" "$dir/debs"
touch "$dir/.built"
say "image ready in $(($(date +%s) - start)) s: $dir"

# (A kernel release starts with a digit; tests/qemu/userland.sh's
# qemu-ARCH-userland-* are not images.)
for old in "$cache"/qemu-"$arch"-[0-9]*; do
	[ "$old" = "$dir" ] || [ ! -d "$old" ] || { say "removing stale $old"; rm -rf "$old"; }
done
echo "$dir"
