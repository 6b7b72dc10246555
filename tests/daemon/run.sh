#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: liteauthd's tests: end to end over UDP (direct.c), its faults
# (fault.py: kills, stops, a flood, keys on disk), then what
# `make install` puts in place: the binary, man pages that render without
# a warning, and a systemd unit that starts the installed binary.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/build/tests/direct" "$top/build/daemon/liteauthd"
/usr/bin/python3 "$top/tests/daemon/fault.py" "$top/build/daemon/liteauthd" \
	"$top/build/tools/liteauth" "$top/build/tools/liteauth-devsim" "$top/build/tests/laproto"

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
if grep -qx 'ExecStart=/usr/sbin/liteauthd --foreground --passphrase-file %d/passphrase' "$unit" 2>/dev/null &&
   grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" &&
   grep -qx 'LoadCredential=passphrase:/etc/liteauth/passphrase' "$unit"; then
	echo "ok - the systemd unit starts the installed liteauthd, with the passphrase as a credential, and reloads it with SIGHUP"
else
	echo "not ok - the systemd unit starts the installed liteauthd, with the passphrase as a credential, and reloads it with SIGHUP"
fi

# The unit's hardening, as systemd rates it (exposure 0 to 10, lower is
# better; Documentation/gateway.rst gives the figure), and the unit is
# one systemd takes (with the binary where it says).
"$top/tools/build/need-debs.sh" systemd >&2
score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for liteauthd.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
	echo "ok - systemd-analyze security rates the unit $score (2.0 at most)"
else
	echo "not ok - systemd-analyze security rates the unit ${score:-?} (2.0 at most)"
	systemd-analyze security --offline=true "$unit" 2>&1 | grep '✗' | sed 's/^/#   /'
fi
sed "s|/usr/sbin/liteauthd|$dest/usr/sbin/liteauthd|" "$unit" >"$top/build/liteauthd.service"
out=$(systemd-analyze verify --man=no "$top/build/liteauthd.service" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then
	echo "ok - systemd-analyze verify takes the unit without a warning"
else
	echo "not ok - systemd-analyze verify takes the unit without a warning"
	echo "$out" | sed 's/^/#   /'
fi
