#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""liteauth-devsim against a server of this script's own, over UDP.

    devsim.py PATH-TO-liteauth-devsim

The server is a direct-case server of protocol v2 written here on the
primitives of tests/vectors.py (Python's `cryptography`, not proto.c): it
refuses a HELLO whose CTR is not above the last one it accepted from the
device, and it can drop ACKs, answer the HELLO of a confirmed handshake
with its KEY again or, playing a broken server, answer a stale HELLO with
a fresh KEY. Checked, one KTAP line each: the closing line's
counts (authenticated only on a verified ACK, CONFIRMs resent, handshakes
given up waiting for ACK, replays); --state keeps CTRs growing across runs
within one second, holds each CTR before the HELLO that carries it, keeps
the devices of other runs, leaves CTRs above all used when the run is
killed, creates a missing file and refuses a damaged one; without --state
CTRs start from the Unix time.
"""
import os
import random
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from vectors import kdf, mac, seal, cmac  # noqa: E402

DEVSIM = sys.argv[1]
VS = 0x21
HEADER = '# liteauth-devsim state 1: device ID, last CTR used\n'
failures = 0


def check(ok, what, detail=''):
    global failures
    print(('ok - ' if ok else 'not ok - ') + what, flush=True)
    if not ok:
        failures += 1
        for line in str(detail).splitlines()[-12:]:
            print('#   ' + line)


class Server(threading.Thread):
    """The direct case: HELLO -> KEY, CONFIRM -> ACK."""

    def __init__(self, master):
        super().__init__(daemon=True)
        self.master = master
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.bind(('::1', 0))
        self.port = self.sock.getsockname()[1]
        self.last = {}        # IDd -> highest CTR accepted
        self.hs = {}          # IDd -> (ctr, rd, rs, sk, KEY, ACK or None)
        self.hellos = []      # (IDd, CTR) of every valid HELLO, in order
        self.stale = 0
        self.ack_drop = 0     # percent
        self.replays = 'stale'  # or 'repeat' (the old KEY), 'fresh' (a bug)
        self.on_hello = None  # called with (IDd, CTR) before answering
        self.stop = False
        self.start()

    def run(self):
        while not self.stop:
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            m, peer = self.sock.recvfrom(256)
            out = self.answer(m)
            if out:
                self.sock.sendto(out, peer)

    def answer(self, m):
        if len(m) < 10 or m[1] != VS:
            return None
        idd = m[2:10]
        kd = cmac(self.master, idd)
        if m[0] == 0x31 and len(m) == 30:
            if mac(kdf(kd, 'LA1 hello', idd), m[:22]) != m[22:]:
                return None
            ctr, rd = struct.unpack('>I', m[10:14])[0], m[14:22]
            self.hellos.append((idd, ctr))
            if self.on_hello:
                self.on_hello(idd, ctr)
            hs = self.hs.get(idd)
            if (hs and hs[0] == ctr and hs[1] == rd and
                    (hs[5] is None or self.replays == 'repeat')):
                return hs[4]                      # a repeat: the same KEY
            if ctr <= self.last.get(idd, 0) and self.replays != 'fresh':
                self.stale += 1
                return None
            self.last[idd] = max(ctr, self.last.get(idd, 0))
            rs, sk = os.urandom(8), os.urandom(16)
            key = bytes([0x32, VS]) + idd + rs
            key += seal(kdf(kd, 'LA1 key', idd + rd + rs), 0x32, idd,
                        key + rd, sk + b'\x00\x01\x05\xa0')
            self.hs[idd] = (ctr, rd, rs, sk, key, None)
            return key
        if m[0] == 0x33 and len(m) == 18 and idd in self.hs:
            ctr, rd, rs, sk, key, ack = self.hs[idd]
            if mac(kdf(sk, 'LA1 confirm', idd + rd + rs),
                   m[:10] + rd + rs) != m[10:]:
                return None
            ack = bytes([0x38, VS]) + idd
            ack += mac(kdf(sk, 'LA1 ack', idd + rd + rs), ack + rd + rs)
            self.hs[idd] = (ctr, rd, rs, sk, key, ack)   # confirmed
            if random.randrange(100) < self.ack_drop:
                return None
            return ack
        return None


def devsim(srv, master_file, count, *args, first='00124b0000100000',
           timeout=20):
    r = subprocess.run([DEVSIM, 'udp', '--server', f'[::1]:{srv.port}',
                        '--master', master_file, '--count', str(count),
                        '--first', first, '--timeout', str(timeout), *args],
                       capture_output=True, text=True)
    last = (r.stdout.strip().splitlines() or [''])[-1]
    return r.returncode, last, r.stderr


def counts(line):
    """The closing line's numbers, by name."""
    m = re.match(r'(\d+) authenticated, (\d+) failed, (\d+) resends, '
                 r'(\d+) bytes sent, (\d+) received, [0-9.]+ handshakes/s, '
                 r'(\d+) CONFIRMs resent, (\d+) gave up waiting for ACK',
                 line)
    if not m:
        return None
    return dict(zip(('ok', 'failed', 'resends', 'out', 'in', 'confirms',
                     'gave_up'), map(int, m.groups())))


def read_state(path):
    with open(path) as f:
        text = f.read()
    lines = text.splitlines()
    return text.startswith(HEADER), {l.split()[0]: int(l.split()[1])
                                     for l in lines[1:]}


def wait_past(srv):
    """Until the Unix time is above every CTR the server has seen, as it
    is while devices average under one handshake a second."""
    top = max(c for _, c in srv.hellos)
    while int(time.time()) <= top:
        time.sleep(0.05)


def ids(first, count):
    return ['%016x' % (int(first, 16) + i) for i in range(count)]


def main():
    tmp = tempfile.mkdtemp()
    master = os.urandom(16)
    mfile = os.path.join(tmp, 'master')
    with open(mfile, 'w') as f:
        f.write(master.hex() + '\n')
    state = os.path.join(tmp, 'state')
    srv = Server(master)

    # Two runs with the same devices within the same second: --state keeps
    # every CTR above the last, and the file is written before each HELLO.
    seen = []

    def on_hello(idd, ctr):
        try:
            held = read_state(state)[1].get(idd.hex(), 0)
        except OSError:
            held = 0
        seen.append(held >= ctr)
    srv.on_hello = on_hello
    t0 = time.time()
    rc1, last1, err1 = devsim(srv, mfile, 10, '--state', state)
    rc2, last2, err2 = devsim(srv, mfile, 10, '--state', state)
    quick = time.time() - t0
    c1, c2 = counts(last1), counts(last2)
    check(rc1 == 0 and rc2 == 0 and c1 and c2 and c1['ok'] == 10 and
          c2['ok'] == 10 and c1['failed'] == 0 and srv.stale == 0,
          'devsim --state: two runs of 10 devices back to back both '
          f'authenticate ({quick:.2f} s)', last1 + '\n' + last2 + err1 + err2)
    check(seen and all(seen),
          'every HELLO went out with its CTR already in the state file',
          seen)
    srv.on_hello = None
    good, held = read_state(state)
    used = {}
    for idd, ctr in srv.hellos:
        used[idd.hex()] = max(ctr, used.get(idd.hex(), 0))
    check(good and held == used,
          'at the end the state file holds the last CTR each device used',
          f'{held} {used}')
    check(c1 and c1['out'] == 10 * (30 + 18) and
          c1['in'] == 10 * (46 + 18),
          'the bytes count HELLO and CONFIRM out, KEY and ACK in', last1)

    # Another run's devices are kept; a missing file is created.
    rc, last, err = devsim(srv, mfile, 3, '--state', state,
                           first='00124b0000200000')
    good, held2 = read_state(state)
    check(rc == 0 and good and all(held2.get(i) == held[i] for i in held)
          and all(i in held2 for i in ids('00124b0000200000', 3)),
          'a run with other devices keeps those already in the file',
          f'{last} {err} {held2}')
    fresh = os.path.join(tmp, 'fresh')
    rc, last, err = devsim(srv, mfile, 2, '--state', fresh,
                           first='00124b0000300000')
    check(rc == 0 and os.path.exists(fresh) and read_state(fresh)[0],
          'a missing state file is created', last + err)

    # A damaged state file: a clear error, and not one HELLO.
    for name, text in (('empty', ''), ('not ours', 'hello\n'),
                       ('a bad CTR', HEADER + '00124b0000100000 12x\n'),
                       ('a cut last line', HEADER + '00124b0000100000 1'),
                       ('an ID twice', HEADER + '00124b0000100000 5\n'
                        '00124b0000100000 6\n')):
        bad = os.path.join(tmp, 'bad')
        with open(bad, 'w') as f:
            f.write(text)
        before = len(srv.hellos)
        rc, last, err = devsim(srv, mfile, 2, '--state', bad)
        check(rc == 1 and 'state file' in err and 'damaged' in err and
              len(srv.hellos) == before and not last,
              f'a state file with {name} is refused, nothing sent', err)

    # Without --state, the Unix time: once it has caught up with the two
    # quick runs, a run follows on from them.
    wait_past(srv)
    rc, last, err = devsim(srv, mfile, 10)
    now = int(time.time())
    check(rc == 0 and counts(last)['ok'] == 10 and srv.stale == 0 and
          all(now - 5 <= c <= now + 1 for _, c in srv.hellos[-10:]),
          'without --state CTRs start from the Unix time',
          f'{last} {err} {srv.hellos[-10:]} {now}')
    # And a --state run after it takes the time too, above its file.
    wait_past(srv)
    rc, last, err = devsim(srv, mfile, 10, '--state', state)
    check(rc == 0 and counts(last)['ok'] == 10 and srv.stale == 0,
          'a --state run after one without goes on above it', last + err)

    # ACKs lost: CONFIRM is resent until one comes, and counted.
    srv.ack_drop = 50
    rc, last, err = devsim(srv, mfile, 10, '--state', state, timeout=60)
    c = counts(last)
    check(rc == 0 and c and c['ok'] == 10 and c['confirms'] > 0,
          'half the ACKs lost: all authenticate, CONFIRMs resent', last + err)
    # No ACK at all: nobody is authenticated, 15 s later they start over.
    srv.ack_drop = 100
    rc, last, err = devsim(srv, mfile, 2, '--state', state, timeout=17)
    c = counts(last)
    check(rc == 1 and c and c['ok'] == 0 and c['failed'] == 2 and
          c['confirms'] >= 6 and c['gave_up'] == 2,
          'no ACK: not authenticated; CONFIRM resent 3 times, then given up',
          last + err)
    srv.ack_drop = 0

    # Killed mid-run: the file still holds CTRs above every one used.
    srv.ack_drop = 100
    p = subprocess.Popen([DEVSIM, 'udp', '--server', f'[::1]:{srv.port}',
                          '--master', mfile, '--count', '5', '--state',
                          state, '--timeout', '60'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    p.send_signal(signal.SIGKILL)
    p.wait()
    srv.ack_drop = 0
    held = read_state(state)[1]
    top = {}
    for idd, ctr in srv.hellos:
        top[idd.hex()] = max(ctr, top.get(idd.hex(), 0))
    killed = ids('00124b0000100000', 5)
    check(all(held[i] >= top[i] for i in killed),
          'devsim killed mid-run: the state file holds CTRs above all used',
          f'{held} {top}')
    rc, last, err = devsim(srv, mfile, 5, '--state', state)
    check(rc == 0 and counts(last)['ok'] == 5,
          'and the next run authenticates', last + err)

    # Replays: the HELLO of each device's handshake, sent again.
    stale = srv.stale
    rc, last, err = devsim(srv, mfile, 5, '--state', state, '--replay')
    check(rc == 0 and '5 replays: 5 unanswered, 0 answered with the old '
          'KEY, 0 with a fresh KEY' in last and srv.stale == stale + 5,
          'replayed HELLOs are stale: no answer', last + err)
    srv.replays = 'repeat'
    rc, last, err = devsim(srv, mfile, 5, '--state', state, '--replay')
    check(rc == 0 and '5 answered with the old KEY, 0 with a fresh KEY'
          in last, 'replayed HELLOs answered with the KEY already given: '
          'harmless', last + err)
    srv.replays = 'fresh'
    rc, last, err = devsim(srv, mfile, 5, '--state', state, '--replay')
    srv.replays = 'stale'
    check(rc == 1 and '5 with a fresh KEY' in last,
          'a server that answers a replay with a fresh KEY fails the run',
          last + err)

    srv.stop = True
    srv.join()
    subprocess.run(['rm', '-rf', tmp])
    return 1 if failures else 0


sys.exit(main())
