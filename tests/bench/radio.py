#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# radio.py: what a gateway handshake puts on the air, captured. Runs as
# root inside a UML kernel (tests/bench/uml.sh boots it) after
# tests/uml/radios.sh capture and insmod liteauth.ko:
#
#    liteauth-devsim on mon0 (phy2) ──▶ wpan0 (phy0): liteauth.ko
#                    │                       │ genetlink
#                    ▼                       ▼
#    this script on mon1 (phy3),        liteauthd, a fresh store
#    a monitor that only listens
#
# COUNT devices authenticate one at a time; every frame phy0 and phy2 send
# is heard on mon1, FCS included. Per device, the first HELLO, KEY,
# CONFIRM and ACK it heard are the handshake (a resend would be a second
# of the same type). Every liteauth frame heard, resends included, is
# counted by type and by sender (the gateway is short address 0x0001, the
# devices 0x1000 + i): bench.py checks that only the device's four types
# go on the air, each from the side the protocol says, and that none is
# larger than the goal. Prints one line, "BENCH-RADIO {json}".

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import Capture, DEVICE_TYPES, handshakes, uapi  # noqa: E402

P = argparse.ArgumentParser()
P.add_argument('--liteauth', required=True)
P.add_argument('--liteauthd', required=True)
P.add_argument('--devsim', required=True)
P.add_argument('--count', type=int, default=20)
ARGS = P.parse_args()

IDG = 'b827ebfffe000001'
GATEWAY = 0x0001        # wpan0's short address (tests/uml/radios.sh)
ALL_TYPES, _ = uapi()   # every liteauth type, the gateway's own among them


def fcs_ok(f):
    """CRC-16/KERMIT over the frame and its FCS is 0."""
    crc = 0
    for b in f:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc == 0


def parse(f):
    """(source address, MAC payload) of a frame with its FCS, or None when
    its FCS is bad. The source is an int (short or extended address) or
    None when the frame has none."""
    if len(f) < 5 or not fcs_ok(f):
        return None
    fcf = f[0] | f[1] << 8
    dst, src = (fcf >> 10) & 3, (fcf >> 14) & 3
    n = 3
    if dst:
        n += 2 + (2 if dst == 2 else 8)
    addr = None
    if src:
        n += 0 if fcf & 0x40 else 2
        size = 2 if src == 2 else 8
        addr = int.from_bytes(f[n:n + size], 'little')
        n += size
    return addr, f[n:-2]


def main():
    tmp = tempfile.mkdtemp()
    la = [ARGS.liteauth, '--db', tmp + '/db', '--passphrase-file',
          tmp + '/pass']

    def tool(*args, input=None):
        r = subprocess.run(la + list(args), input=input, capture_output=True,
                           text=True)
        if r.returncode:
            sys.exit(f'radio.py: liteauth {" ".join(args)}: {r.stderr}')
        return r.stdout

    os.umask(0o077)
    with open(tmp + '/pass', 'w') as f:
        f.write(tool('genkey'))
    with open(tmp + '/master', 'w') as f:
        f.write(tool('genkey'))
    keys = subprocess.run([ARGS.devsim, 'keys', '--master', tmp + '/master',
                           '--count', str(ARGS.count)], check=True,
                          capture_output=True, text=True).stdout.split()
    for i in range(0, len(keys), 2):
        tool('device', 'add', keys[i], '--key-stdin', input=keys[i + 1])
    tool('gateway', 'add', IDG, '--generate', '--key-file', tmp + '/gw.key')
    daemon = subprocess.Popen([ARGS.liteauthd, '--db', tmp + '/db',
                               '--passphrase-file', tmp + '/pass',
                               '--config', '/dev/null', '--foreground'],
                              stderr=subprocess.DEVNULL)
    end = time.time() + 30
    while 'registered' not in tool('show', 'gateway'):
        if time.time() > end:
            sys.exit('radio.py: liteauthd did not register with the module')
        time.sleep(0.1)
    tool('set', '--bind', 'wpan0', '--gateway-id', IDG, '--gateway-key-file',
         tmp + '/gw.key')

    cap = Capture('mon1')
    cap.start()
    sim = subprocess.run([ARGS.devsim, 'radio', '--interface', 'mon0',
                          '--pan', '0xbeef', '--gateway', '0x0001',
                          '--master', tmp + '/master', '--count',
                          str(ARGS.count), '--concurrency', '1',
                          '--state', tmp + '/ctr'],
                         capture_output=True, text=True)
    cap.stop()
    frames = cap.items
    daemon.terminate()
    daemon.wait()
    subprocess.run(['rm', '-rf', tmp])
    summary = (sim.stdout.strip().splitlines() or [''])[-1]
    if sim.returncode or not summary.startswith(f'{ARGS.count} authenticated'):
        sys.exit(f'radio.py: liteauth-devsim: {summary} {sim.stderr}')

    heard = [(f, parse(f)) for f in frames]
    corrupt = sum(p is None for _, p in heard)
    # liteauth frames heard, resends included: (frame, source, payload)
    ours = [(f, p[0], p[1]) for f, p in heard
            if p is not None and len(p[1]) >= 1 and p[1][0] in ALL_TYPES]
    counts = {}
    for f, src, m in ours:
        side = 'gateway' if src == GATEWAY else 'device'
        key = f'{ALL_TYPES[m[0]]} from {side}'
        counts[key] = counts.get(key, 0) + 1
    complete = [h for h in handshakes(ours, lambda fsm: fsm[2]).values()
                if len(h) == len(DEVICE_TYPES)]
    if len(complete) != ARGS.count:
        sys.exit(f'radio.py: heard {len(complete)} whole handshakes of '
                 f'{ARGS.count}')
    hs = [fsm for h in complete for fsm in h.values()]
    # Each type's sizes, in every handshake heard (one each, as a message
    # has one size and every device the same addressing).
    by_type = {DEVICE_TYPES[t]: {
        'frame': sorted({len(h[t][0]) for h in complete}),
        'payload': sorted({len(h[t][2]) for h in complete})}
        for t in DEVICE_TYPES}
    print('BENCH-RADIO ' + json.dumps({
        'devices': ARGS.count,
        'frames_heard': len(ours),
        'frames_heard_by_type': counts,
        'corrupt_frames': corrupt,
        'messages_per_handshake': len(hs) / ARGS.count,
        'frame_bytes_per_handshake': sum(len(f) for f, _, _ in hs) /
        ARGS.count,
        'payload_bytes_per_handshake': sum(len(m) for _, _, m in hs) /
        ARGS.count,
        'largest_frame': max(len(f) for f, _, _ in hs),
        'largest_payload': max(len(m) for _, _, m in hs),
        # every liteauth frame heard, resends included
        'largest_frame_heard': max(len(f) for f, _, _ in ours),
        'largest_payload_heard': max(len(m) for _, _, m in ours),
        'by_type': by_type,
        'devsim': summary,
    }, sort_keys=True), flush=True)

main()
