#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# docs.sh: every reStructuredText document parses cleanly (docutils, with
# warnings as errors). One KTAP line per document.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tools/build/need-debs.sh" python3 python3-docutils >&2 || exit 1
for f in "$top"/Documentation/*.rst; do
	name=${f#"$top"/}
	if out=$(/usr/bin/python3 -c 'import sys
from docutils.core import publish_doctree
publish_doctree(open(sys.argv[1]).read(), source_path=sys.argv[1],
                settings_overrides={"halt_level": 2, "report_level": 2})' "$f" 2>&1); then
		echo "ok - $name is valid reStructuredText"
	else
		echo "not ok - $name is valid reStructuredText"
		echo "$out" | tail -n 5 | sed 's/^/#   /'
	fi
done
