#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: liteauthd's tests: end to end over UDP (direct.c), its faults
# (fault.py: kills, stops, a flood, keys on disk), its operator's view
# (ops.py: logs, addresses; metrics.py: the metrics file), README.md's quick start
# run as written (readme.sh), then what
# `make install` puts in place: the binary, man pages that render without
# a warning, the systemd units (a gateway's, a direct-only server's) that
# start the installed binary, the sample liteauthd.conf, and
# `make uninstall` taking away all of it but an edited liteauthd.conf.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/build/tests/direct" "$top/build/daemon/liteauthd"
/usr/bin/python3 "$top/tests/daemon/fault.py" "$top/build/daemon/liteauthd" \
	"$top/build/tools/liteauth" "$top/build/tools/liteauth-devsim" "$top/build/tests/laproto"
/usr/bin/python3 "$top/tests/daemon/ops.py" "$top/build/daemon/liteauthd" "$top/build/tools/liteauth" "$top/build/tools/liteauth-devsim"
# The metrics file, read by Prometheus' own parser of the text format.
"$top/tools/build/need-debs.sh" python3-prometheus-client >&2
/usr/bin/python3 "$top/tests/daemon/metrics.py" "$top/build/daemon/liteauthd" "$top/build/tools/liteauth" "$top/build/tools/liteauth-devsim"
"$top/tests/daemon/readme.sh"

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
# Bash completion (build/completion/liteauth, from liteauth's own table).
if [ -s "$dest/usr/share/bash-completion/completions/liteauth" ] &&
   cmp -s "$top/build/completion/liteauth" \
	"$dest/usr/share/bash-completion/completions/liteauth"; then
	echo "ok - make install puts liteauth's bash completion in place"
else
	echo "not ok - make install puts liteauth's bash completion in place"
fi
units="liteauthd.service liteauthd-direct.service"
for u in $units; do
	unit=$dest/usr/lib/systemd/system/$u
	flags=
	[ "$u" = liteauthd-direct.service ] && flags=' --no-netlink'
	if grep -qx "ExecStart=/usr/sbin/liteauthd --foreground$flags --passphrase-file %d/passphrase" "$unit" 2>/dev/null &&
	   grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" &&
	   grep -qx 'LoadCredential=passphrase:/etc/liteauth/passphrase' "$unit"; then
		echo "ok - $u starts the installed liteauthd$flags, with the passphrase as a credential, and reloads it with SIGHUP"
	else
		echo "not ok - $u starts the installed liteauthd$flags, with the passphrase as a credential, and reloads it with SIGHUP"
	fi
done
# The direct-only server holds no capability and opens no netlink socket.
unit=$dest/usr/lib/systemd/system/liteauthd-direct.service
if grep -qx 'CapabilityBoundingSet=' "$unit" 2>/dev/null &&
   ! grep -q 'CAP_NET_ADMIN\|AF_NETLINK' "$unit"; then
	echo "ok - liteauthd-direct.service runs without any capability or AF_NETLINK"
else
	echo "not ok - liteauthd-direct.service runs without any capability or AF_NETLINK"
fi

# Each unit's hardening, as systemd rates it (exposure 0 to 10, lower is
# better; Documentation/gateway.rst gives the figure), and each unit is
# one systemd takes (with the binary where it says).
"$top/tools/build/need-debs.sh" systemd >&2
for u in $units; do
	unit=$dest/usr/lib/systemd/system/$u
	score=$(systemd-analyze security --offline=true "$unit" 2>&1 |
		sed -n "s/.*Overall exposure level for $u: \([0-9.]*\).*/\1/p")
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'; then
		echo "ok - systemd-analyze security rates $u $score (2.0 at most)"
	else
		echo "not ok - systemd-analyze security rates $u ${score:-?} (2.0 at most)"
		systemd-analyze security --offline=true "$unit" 2>&1 | grep '✗' | sed 's/^/#   /'
	fi
	sed "s|/usr/sbin/liteauthd|$dest/usr/sbin/liteauthd|" "$unit" >"$top/build/$u"
	out=$(systemd-analyze verify --man=no "$top/build/$u" 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		echo "ok - systemd-analyze verify takes $u without a warning"
	else
		echo "not ok - systemd-analyze verify takes $u without a warning"
		echo "$out" | sed 's/^/#   /'
	fi
done

# The sample liteauthd.conf: installed, every setting of liteauthd.conf(5)
# in it, each "# key = default" line one liteauthd takes once uncommented
# (a stray argument makes it exit 2 once it has read the file, before it
# opens anything), and a bad line in it refused, naming the file.
conf=$dest/etc/liteauth/liteauthd.conf
if cmp -s "$conf" "$top/daemon/liteauthd.conf"; then
	echo "ok - make install puts the sample liteauthd.conf in /etc/liteauth"
else
	echo "not ok - make install puts the sample liteauthd.conf in /etc/liteauth"
fi
keys=$(awk '/^\.TP/ { getline; if ($1 == ".BI" || $1 == ".BR") { k = $2; gsub(/\\/, "", k); print k } }' \
	"$top/Documentation/man/liteauthd.conf.5" | sort -u)
missing=
for k in $keys; do
	grep -q "^# $k = " "$top/daemon/liteauthd.conf" || missing="$missing $k"
done
if [ "$(echo "$keys" | wc -l)" -ge 20 ] && [ -z "$missing" ]; then
	echo "ok - the sample liteauthd.conf has every setting of liteauthd.conf(5)"
else
	echo "not ok - the sample liteauthd.conf has every setting of liteauthd.conf(5)"
	echo "#   missing:$missing"
fi
uncommented=$top/build/liteauthd-uncommented.conf
sed -n 's/^# \([a-z-]*\) = /\1 = /p' "$top/daemon/liteauthd.conf" >"$uncommented"
err=$(timeout 10 "$top/build/daemon/liteauthd" --config "$uncommented" \
	--foreground stray 2>&1)
rc=$?
printf 'bogus = 1\n' >>"$uncommented"
bad=$(timeout 10 "$top/build/daemon/liteauthd" --config "$uncommented" \
	--foreground stray 2>&1)
badrc=$?
if [ "$(wc -l <"$uncommented")" -ge 21 ] && [ $rc -eq 2 ] &&
   ! echo "$err" | grep -q "$uncommented" && [ $badrc -eq 1 ] &&
   echo "$bad" | grep -q "$uncommented:$(wc -l <"$uncommented"):"; then
	echo "ok - liteauthd takes every line of the sample liteauthd.conf uncommented"
else
	echo "not ok - liteauthd takes every line of the sample liteauthd.conf uncommented"
	printf '%s\n%s\n' "$err" "$bad" | sed 's/^/#   /'
fi

# A second install keeps an operator's liteauthd.conf; make uninstall
# removes every file make install put there but that one (edited), and
# an unedited sample with the rest.
echo 'life = 720' >>"$conf"
if make -C "$top" --no-print-directory install DESTDIR="$dest" PREFIX=/usr \
	>>"$top/build/install-test.log" 2>&1 &&
   tail -n 1 "$conf" | grep -qx 'life = 720'; then
	echo "ok - make install again keeps an edited /etc/liteauth/liteauthd.conf"
else
	echo "not ok - make install again keeps an edited /etc/liteauth/liteauthd.conf"
fi
make -C "$top" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr \
	>>"$top/build/install-test.log" 2>&1
left=$(cd "$dest" && find . -type f | sort)
if [ "$left" = "./etc/liteauth/liteauthd.conf" ]; then
	echo "ok - make uninstall removes what make install installed, and keeps an edited liteauthd.conf"
else
	echo "not ok - make uninstall removes what make install installed, and keeps an edited liteauthd.conf"
	echo "$left" | sed 's/^/#   /'
fi
rm -rf "$dest"
if make -C "$top" --no-print-directory install DESTDIR="$dest" PREFIX=/usr \
	>>"$top/build/install-test.log" 2>&1 &&
   make -C "$top" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr \
	>>"$top/build/install-test.log" 2>&1 &&
   [ -z "$(find "$dest" -type f)" ]; then
	echo "ok - make uninstall removes an unedited sample liteauthd.conf too"
else
	echo "not ok - make uninstall removes an unedited sample liteauthd.conf too"
	find "$dest" -type f | sed 's/^/#   /'
fi
