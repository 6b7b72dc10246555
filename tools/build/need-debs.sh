#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# need-debs.sh PACKAGE...: make sure the named Debian packages are installed,
# installing the missing ones with apt-get when running as root. Every make
# target that needs a package calls this first, so a fresh Debian 12 machine
# needs nothing but `make check`.
set -eu

missing=
for p in "$@"; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "need-debs: missing Debian packages:$missing" >&2
	echo "need-debs: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi

echo "need-debs: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists at most once an hour; a fresh machine has none.
stamp=/var/lib/apt/periodic/liteauth-update-stamp
if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
	apt-get update -q >&2
	mkdir -p "${stamp%/*}" && touch "$stamp"
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
