#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# m0plus.sh: the device side builds for a Cortex-M0+ with -Os: the
# protocol core (kmod/proto.c), the device's state machine
# (tools/device/la_device.c) and the block-cipher crypto backend
# (tools/device/crypto_block.c), with and without the software AES
# (tools/device/aes.c). Prints KTAP lines with their flash (text + data)
# and RAM (data + bss) sizes, measured by arm-none-eabi-size.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/m0plus
"$top/tools/build/need-debs.sh" gcc-arm-none-eabi libnewlib-arm-none-eabi >&2 ||
	{ echo "not ok - the Cortex-M0+ toolchain could not be installed"; exit 0; }
mkdir -p "$out"

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
set -- $(size "$out/proto.o" "$out/la_device.o" "$out/crypto_block.o")
flash=$(($1 + $2)) ram=$(($2 + $3))
set -- $(size "$out/proto.o" "$out/la_device.o" "$out/crypto_block.o" \
	"$out/aes.o")
flash_aes=$(($1 + $2)) ram_aes=$(($2 + $3))
echo "ok - the device library builds for Cortex-M0+ (-Os): $flash bytes of flash and $ram of RAM without AES, $flash_aes and $ram_aes with the software AES"
printf '{"device_flash_bytes": %d, "device_ram_bytes": %d, "device_flash_bytes_with_aes": %d, "device_ram_bytes_with_aes": %d}\n' \
	"$flash" "$ram" "$flash_aes" "$ram_aes" >"$out/sizes.json"
