#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the userspace unit tests, as one KTAP stream: the KUnit suites
# built for userspace, plain and under ASan/UBSan, then checks of the
# tree's own consistency.
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/build/tests/unit"
echo "# the same suites under AddressSanitizer and UndefinedBehaviorSanitizer"
"$top/build/tests/unit-san"
echo "# the protocol on the device's crypto backend (tools/device), with AES and CMAC known answers"
"$top/build/tests/unit-block"
"$top/tests/doc-vectors.sh"
if "$top/tools/build/need-debs.sh" python3-cryptography >/dev/null; then
	/usr/bin/python3 "$top/tests/vectors.py"
else
	echo "not ok - tests/vectors.py: python3-cryptography could not be installed"
fi
"$top/tests/docs.sh"
