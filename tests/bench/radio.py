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
# is heard on mon1, FCS included. Per device, the first HELLO, KEY and
# CONFIRM it heard are the handshake (a resend would be a second of the
# same type). Prints one line, "BENCH-RADIO {json}".

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import Capture, handshakes  # noqa: E402

P = argparse.ArgumentParser()
P.add_argument('--liteauth', required=True)
P.add_argument('--liteauthd', required=True)
P.add_argument('--devsim', required=True)
P.add_argument('--count', type=int, default=20)
ARGS = P.parse_args()

IDG = 'b827ebfffe000001'
TYPES = {0x31: 'HELLO', 0x32: 'KEY', 0x33: 'CONFIRM'}


def fcs_ok(f):
    """CRC-16/KERMIT over the frame and its FCS is 0."""
    crc = 0
    for b in f:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc == 0


def mac_payload(f):
    """The MAC payload of a frame with its FCS, or None."""
    if len(f) < 5 or not fcs_ok(f):
        return None
    fcf = f[0] | f[1] << 8
    dst, src = (fcf >> 10) & 3, (fcf >> 14) & 3
    n = 3
    if dst:
        n += 2 + (2 if dst == 2 else 8)
    if src:
        n += (0 if fcf & 0x40 else 2) + (2 if src == 2 else 8)
    return f[n:-2]


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
                          str(ARGS.count), '--concurrency', '1'],
                         capture_output=True, text=True)
    cap.stop()
    frames = cap.items
    daemon.terminate()
    daemon.wait()
    subprocess.run(['rm', '-rf', tmp])
    summary = (sim.stdout.strip().splitlines() or [''])[-1]
    if sim.returncode or not summary.startswith(f'{ARGS.count} authenticated'):
        sys.exit(f'radio.py: liteauth-devsim: {summary} {sim.stderr}')

    heard = [(f, mac_payload(f)) for f in frames]
    corrupt = sum(p is None for _, p in heard)
    # liteauth frames heard, resends included
    frames_all = sum(p is not None and len(p) >= 10 and p[0] in TYPES
                     for _, p in heard)
    complete = [h for h in handshakes(heard, lambda fp: fp[1]).values()
                if len(h) == len(TYPES)]
    if len(complete) != ARGS.count:
        sys.exit(f'radio.py: heard {len(complete)} whole handshakes of '
                 f'{ARGS.count}')
    hs = [fp for h in complete for fp in h.values()]
    by_type = {TYPES[t]: {'frame': len(complete[0][t][0]),
                          'payload': len(complete[0][t][1])}
               for t in TYPES}
    print('BENCH-RADIO ' + json.dumps({
        'devices': ARGS.count,
        'frames_heard': frames_all,
        'corrupt_frames': corrupt,
        'messages_per_handshake': len(hs) / ARGS.count,
        'frame_bytes_per_handshake': sum(len(f) for f, _ in hs) / ARGS.count,
        'payload_bytes_per_handshake': sum(len(p) for _, p in hs) / ARGS.count,
        'largest_frame': max(len(f) for f, _ in hs),
        'largest_payload': max(len(p) for _, p in hs),
        'by_type': by_type,
        'devsim': summary,
    }, sort_keys=True), flush=True)


main()
