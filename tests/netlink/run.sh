#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: check the YNL spec with the YNL tooling of the 6.12 test tree.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/tools/build/need-debs.sh" python3 python3-yaml python3-jsonschema gcc ||
	exit 1
kdir=$("$top/tests/uml/kernel.sh" "${UML_KERNEL:-6.12}") || {
	echo "not ok - spec: the 6.12 tree (for YNL) could not be built"
	exit 0
}
/usr/bin/python3 "$top/tests/netlink/spec_check.py" "$kdir/../src"
