#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# radios.sh [CAPTURE]: the simulated radios every UML scenario runs on,
# with mac802154_hwsim loaded (it starts with phy0 and phy1, linked):
#
#   phy0 wpan0  short 0x0001 PAN 0xbeef   the gateway (liteauth binds it)
#   phy1 wpan1  short 0x0002 PAN 0xbeef   a node for hand-made frames
#   phy2 mon0   monitor                   liteauth-devsim's many devices
#   phy3 mon1   monitor, listens only     CAPTURE: counts what is on the air
#
# phy2 hears and is heard by phy0 only; phy3 hears phy0 and phy2. A monitor
# needs a phy of its own: mac802154 will not run one next to a node
# interface. Echoes each command.
set -e
run() { echo "+ $*"; "$@"; }

run ip link set lo up
for i in 0 1; do
	run iwpan dev wpan$i set pan_id 0xbeef
	run iwpan dev wpan$i set short_addr 0x000$((i + 1))
	run ip link set wpan$i up
done
monitor() {	# monitor PHY NAME: a new radio PHY with only a monitor on it
	run wpan-hwsim add >/dev/null
	for dev in /sys/class/ieee802154/phy$1/net/*; do
		[ -e "$dev" ] && run iwpan dev "${dev##*/}" del
	done
	run iwpan phy phy$1 interface add $2 type monitor
	run ip link set $2 up
}
monitor 2 mon0
run wpan-hwsim edge add 0 2
run wpan-hwsim edge add 2 0
if [ "${1:-}" = capture ]; then
	monitor 3 mon1
	run wpan-hwsim edge add 0 3
	run wpan-hwsim edge add 2 3
fi
