#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: liteauthd's tests: end to end over UDP (direct.c), then what
# `make install` puts in place: the binary, man pages that render without
# a warning, and a systemd unit that starts the installed binary.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/build/tests/direct" "$top/build/daemon/liteauthd"

"$top/tools/build/need-debs.sh" groff-base >&2
dest=$top/build/install-test
rm -rf "$dest"
if make -C "$top" --no-print-directory install DESTDIR="$dest" PREFIX=/usr \
	>"$top/build/install-test.log" 2>&1 &&
   "$dest/usr/sbin/liteauthd" --help | grep -q -- '--listen'; then
	echo "ok - make install puts liteauthd in place, and it runs"
else
	echo "not ok - make install puts liteauthd in place, and it runs"
fi
for m in man8/liteauthd.8 man8/liteauth.8 man5/liteauthd.conf.5 \
	man1/liteauth-devsim.1; do
	out=$(groff -man -ww -z "$dest/usr/share/man/$m" 2>&1)
	if [ -f "$dest/usr/share/man/$m" ] && [ -z "$out" ]; then
		echo "ok - man page $m renders without warnings"
	else
		echo "not ok - man page $m renders without warnings"
		echo "$out" | sed 's/^/#   /'
	fi
done
unit=$dest/usr/lib/systemd/system/liteauthd.service
if grep -qx 'ExecStart=/usr/sbin/liteauthd --foreground' "$unit" 2>/dev/null &&
   grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"; then
	echo "ok - the systemd unit starts the installed liteauthd and reloads it with SIGHUP"
else
	echo "not ok - the systemd unit starts the installed liteauthd and reloads it with SIGHUP"
fi
