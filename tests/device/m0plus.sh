#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# m0plus.sh: the device side builds for a Cortex-M0+ with -Os: the
# protocol core (kmod/proto.c), the device's state machine
# (tools/device/la_device.c) and the block-cipher crypto backend
# (tools/device/crypto_block.c), with and without the software AES
# (tools/device/aes.c). Prints KTAP lines with their flash (text + data)
# and RAM (data + bss) sizes, measured by arm-none-eabi-size.
#
# The size that counts is what a firmware links: the device API
# (la_device_*, la_crypto_block_use) and what it reaches, as a link with
# --gc-sections keeps it; the server's and gateway's builders in proto.c
# are left out, as they are from any firmware. It must stay within 4 KB
# without AES. The sum of the whole objects is printed too.
# shellcheck disable=SC2046 # size prints three numbers, split on purpose
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/m0plus
"$top/tools/build/need-debs.sh" gcc-arm-none-eabi libnewlib-arm-none-eabi >&2 ||
	{ echo "not ok - the Cortex-M0+ toolchain could not be installed"; exit 0; }
mkdir -p "$out"
: >"$out/build.log"

cflags="-Os -mcpu=cortex-m0plus -mthumb -std=c99 -Wall -Wextra -Werror
	-Wno-unused-parameter -ffunction-sections -fdata-sections
	-I$top/uapi -I$top/kmod -I$top/tools/lib -I$top/tools/device"
ok=1
for f in kmod/proto.c tools/device/la_device.c tools/device/crypto_block.c \
	tools/device/aes.c; do
	# shellcheck disable=SC2086
	arm-none-eabi-gcc $cflags -c -o "$out/$(basename "$f" .c).o" \
		"$top/$f" 2>>"$out/build.log" || ok=0
done
if [ $ok -eq 0 ]; then
	echo "not ok - the device library builds for Cortex-M0+ (see $out/build.log)"
	sed 's/^/#   /' "$out/build.log" | head -n 10
	exit 0
fi

# Sizes: the totals line of arm-none-eabi-size, text data bss.
size() {
	arm-none-eabi-size -t "$@" | tail -n 1
}
# What a firmware links: the API, and what it reaches.
api="-u la_device_init -u la_device_start -u la_device_rx -u la_device_tick
	-u la_crypto_block_use"
link() {
	# shellcheck disable=SC2086
	arm-none-eabi-ld -r --gc-sections $api -o "$@" 2>>"$out/build.log"
}
if ! link "$out/device.o" "$out/proto.o" "$out/la_device.o" \
	"$out/crypto_block.o" ||
   ! link "$out/device-aes.o" "$out/proto.o" "$out/la_device.o" \
	"$out/crypto_block.o" "$out/aes.o"; then
	echo "not ok - the device library links (see $out/build.log)"
	exit 0
fi
set -- $(size "$out/device.o")
flash=$(($1 + $2)) ram=$(($2 + $3))
set -- $(size "$out/device-aes.o")
flash_aes=$(($1 + $2)) ram_aes=$(($2 + $3))
set -- $(size "$out/proto.o" "$out/la_device.o" "$out/crypto_block.o")
flash_objs=$(($1 + $2))
set -- $(size "$out/la_device.o")
flash_sm=$(($1 + $2))
echo "ok - the device library builds for Cortex-M0+ (-Os): $flash bytes of flash and $ram of RAM without AES, $flash_aes and $ram_aes with the software AES (as linked; the whole objects: $flash_objs, of which the state machine $flash_sm)"
if [ "$flash" -le 4096 ]; then
	echo "ok - the device library takes at most 4 KB of flash without AES ($flash bytes)"
else
	echo "not ok - the device library takes at most 4 KB of flash without AES ($flash bytes)"
fi
printf '{"device_flash_bytes": %d, "device_ram_bytes": %d, "device_flash_bytes_with_aes": %d, "device_ram_bytes_with_aes": %d, "device_flash_bytes_objects": %d}\n' \
	"$flash" "$ram" "$flash_aes" "$ram_aes" "$flash_objs" >"$out/sizes.json"
