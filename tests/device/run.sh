#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the device side as one KTAP stream: the library built for a
# Cortex-M0+ with its sizes (m0plus.sh), then liteauth-devsim against a
# direct-case server written in Python on tests/vectors.py's primitives
# (devsim.py), so the simulator is checked by code that is not proto.c.
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/tests/device/m0plus.sh"
if "$top/tools/build/need-debs.sh" python3-cryptography >/dev/null; then
	/usr/bin/python3 "$top/tests/device/devsim.py" \
		"$top/build/tools/liteauth-devsim"
else
	echo "not ok - devsim.py: python3-cryptography could not be installed"
fi
