#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: kernel coding style of the code that builds into the kernel
# (kmod/, uapi/), by the checkpatch.pl of the UML 6.12 source tree, one
# KTAP result per file. Userspace style is enforced by the compiler flags
# (-Wall -Wextra -Werror) in the Makefile.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$("$top/tests/uml/kernel.sh" "${UML_KERNEL:-6.12}") || {
	echo "not ok - style: the 6.12 tree (for checkpatch.pl) could not be built"
	exit 0
}
cp=$kdir/../src/scripts/checkpatch.pl
cd "$top"
for f in kmod/*.c kmod/*.h uapi/linux/*.h; do
	if out=$(perl "$cp" --no-tree -f -q --terse --show-types "$f" 2>&1) &&
	   ! echo "$out" | grep -q ': \(ERROR\|WARNING\|CHECK\):'; then
		echo "ok - checkpatch $f"
	else
		echo "not ok - checkpatch $f"
		echo "$out" | grep ': \(ERROR\|WARNING\|CHECK\):' | sed 's/^/#   /'
	fi
done
