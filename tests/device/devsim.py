#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""liteauth-devsim against a server of this script's own, over UDP.

    devsim.py PATH-TO-liteauth-devsim

The server is a direct-case server of protocol v2 written here on the
primitives of tests/vectors.py (Python's `cryptography`, not proto.c): it
refuses a HELLO whose CTR is not above the last one it accepted from the
device, and it can drop ACKs, answer the HELLO of a confirmed handshake
with its KEY again or, playing a broken server, answer a stale HELLO with
a fresh KEY, or hold a wrong key for a device. Checked, one KTAP line
each: the closing line's counts (authenticated only on a verified ACK,
CONFIRMs resent, handshakes given up waiting for ACK, replays); --state
keeps CTRs growing across runs within one second, holds each CTR before
the HELLO that carries it, keeps the devices of other runs, leaves CTRs
above all used when the run is killed, creates a missing file and refuses
a damaged one; without --state CTRs start from the Unix time. And the
operator's side: the exit statuses (a replay's repeat under --loss is no
failure, a fresh KEY or a wrong key taken is 3), the closing line and
--state on SIGINT and SIGTERM, the progress line (a terminal, --progress,
and nothing otherwise), the rate without the wait for --wrong-key devices,
--first's ID forms and the IDs' end, --server's forms and refusals,
--help, --version and usage errors.
"""
import os
import pty
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

    def __init__(self, master, host='::1'):
        super().__init__(daemon=True)
        self.master = master
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        if host == '::':      # IPv4 too, for localhost and 127.0.0.1
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.last = {}        # IDd -> highest CTR accepted
        self.hs = {}          # IDd -> (ctr, rd, rs, sk, KEY, ACK or None)
        self.hellos = []      # (IDd, CTR) of every valid HELLO, in order
        self.stale = 0
        self.ack_drop = 0     # percent
        self.replays = 'stale'  # or 'repeat' (the old KEY), 'fresh' (a bug)
        self.on_hello = None  # called with (IDd, CTR) before answering
        self.kd = {}          # IDd -> Kd, where not CMAC(master, IDd)
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
        kd = self.kd.get(idd) or cmac(self.master, idd)
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
           timeout=20, server=None):
    r = subprocess.run([DEVSIM, 'udp', '--server',
                        server or f'[::1]:{srv.port}',
                        '--master', master_file, '--count', str(count),
                        '--first', first, '--timeout', str(timeout), *args],
                       capture_output=True, text=True)
    last = (r.stdout.strip().splitlines() or [''])[-1]
    return r.returncode, last, r.stderr


def run(*args):
    """liteauth-devsim ARGS: (exit status, stdout, stderr)."""
    r = subprocess.run([DEVSIM, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


USAGE_LINE = 'usage: liteauth-devsim keys|udp|radio --master F --count N'


def interrupted(cmd, sig, after):
    """Runs @cmd, sends it @sig @after seconds later: (exit status, last
    line of stdout, stderr)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(after)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    return p.returncode, (out.strip().splitlines() or [''])[-1], err


class Silent:
    """A server that never answers: it only notes each HELLO's CTR."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.bind(('::1', 0))
        self.port = self.sock.getsockname()[1]

    def hellos(self):
        """The highest CTR of each device's HELLOs so far, by ID."""
        top = {}
        while select.select([self.sock], [], [], 0)[0]:
            m = self.sock.recv(256)
            if len(m) == 30 and m[0] == 0x31:
                idd, ctr = m[2:10].hex(), struct.unpack('>I', m[10:14])[0]
                top[idd] = max(ctr, top.get(idd, 0))
        return top


def rate_base(line):
    """The closing line's handshakes/s and, when some device did not
    authenticate, the time it is over and the run's length."""
    m = re.search(r', ([0-9.]+) handshakes/s, ', line)
    b = re.search(r', rate over the first ([0-9.]+) s of ([0-9.]+) s', line)
    return (float(m.group(1)) if m else None,
            *(map(float, b.groups()) if b else (None, None)))


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


def on_terminal(cmd):
    """Runs @cmd with stderr on a terminal: (exit status, stdout, what the
    terminal got)."""
    m, s = pty.openpty()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=s)
    os.close(s)
    tty = b''
    while True:
        try:
            d = os.read(m, 4096)
        except OSError:      # EIO: the other end closed
            break
        if not d:
            break
        tty += d
    out = p.stdout.read().decode()
    p.wait()
    os.close(m)
    return p.returncode, out, tty.decode()


def operator(srv, master, mfile, tmp):
    """What an operator meets: exit statuses, signals, progress, rates,
    IDs, addresses and the command line."""
    # The exit status follows the protocol: a replay answered with the KEY
    # already given is a repeat, harmless even when --loss makes devices
    # resend, and never a failure; only devices that did not authenticate
    # are (1), and a replay with a fresh KEY or a wrong key taken (3).
    srv.replays = 'repeat'
    t0 = time.time()
    rc, last, err = devsim(srv, mfile, 6, '--loss', '30', '--replay',
                           first='00124b0000600000', timeout=120)
    srv.replays = 'stale'
    c = counts(last)
    check(c and (rc == 0 if c['failed'] == 0 else rc == 1) and
          f"{c['ok']} replays: 0 unanswered, {c['ok']} answered with the "
          "old KEY, 0 with a fresh KEY (none got a new session key: a "
          "stale HELLO goes unanswered, a repeat gets the KEY already "
          "given)" in last,
          f'--loss 30 --replay, the server repeating KEYs: status {rc}, '
          f'not a replay failure ({time.time() - t0:.0f} s)', last + err)
    idw = bytes.fromhex('00124b0000700000')
    kd = cmac(master, idw)
    srv.kd[idw] = bytes([kd[0] ^ 0xff]) + kd[1:]
    rc, last, err = devsim(srv, mfile, 2, '--wrong-key', '1',
                           first=idw.hex())
    check(rc == 3 and last.startswith('2 authenticated, 0 failed') and
          last.endswith(', 1 with a wrong key authenticated'),
          'a server that takes a device\'s wrong key: status 3', last + err)

    # The rate leaves out the wait for the devices that must fail.
    rc, last, err = devsim(srv, mfile, 7, '--wrong-key', '2',
                           first='00124b0000800000', timeout=5)
    r, base, whole = rate_base(last)
    check(rc == 0 and last.startswith('5 authenticated, 2 failed') and
          base is not None and base < 1 and whole >= 5 and
          5 / (base + 0.0005) * 0.99 - 0.05 <= r <=
          5 / max(base - 0.0005, 1e-6) * 1.01 + 0.05,
          '5 devices and 2 with a wrong key, --timeout 5: handshakes/s is '
          f'over the {base} s until the last authenticated, not the '
          f'{whole} s of the run', last + err)
    check(err == '', 'no progress line when stderr is not a terminal and '
          'no --progress', err)

    # The progress line: a line a second with --progress, for logs...
    rc, last, err = devsim(srv, mfile, 3, '--wrong-key', '1', '--progress',
                           first='00124b0000900000', timeout=3)
    line = re.compile(r'liteauth-devsim: (\d+)/3 authenticated, (\d+) '
                      r'failed, (\d+) in flight, ([0-9.]+) s, [0-9.]+ '
                      r'handshakes/s$')
    got = [line.match(x) for x in err.splitlines()]
    check(rc == 0 and 2 <= len(got) <= 4 and all(got) and
          [m.group(1, 3) for m in got[:2]] == [('2', '1')] * 2 and
          [round(float(m.group(4))) for m in got[:2]] == [1, 2] and
          last.startswith('2 authenticated, 1 failed'),
          '--progress, stderr not a terminal: a line a second '
          '(authenticated, failed, in flight, elapsed, rate)', err + last)
    # ... and on a terminal one line, redrawn, gone at the end.
    rc, out, tty = on_terminal([DEVSIM, 'udp', '--server',
                                f'[::1]:{srv.port}', '--master', mfile,
                                '--count', '3', '--wrong-key', '1',
                                '--first', '00124b0000910000',
                                '--timeout', '2'])
    draws = re.findall(r'\r(\d+/3 authenticated, \d+ failed, \d+ in '
                       r'flight, [0-9.]+ s, [0-9.]+ handshakes/s)\x1b\[K',
                       tty)
    check(rc == 0 and len(draws) >= 3 and '\n' not in tty and
          tty.endswith('\r\x1b[K') and
          out.startswith('2 authenticated, 1 failed'),
          'stderr a terminal: the progress line redrawn every half second, '
          'erased before the closing line', repr(tty[-300:]) + out)

    # SIGINT: the closing line so far, unfinished devices said, status 130,
    # and --state with the CTRs used (not the reserve), as at the end.
    silent = Silent()
    st = os.path.join(tmp, 'sigint.state')
    rc, last, err = interrupted([DEVSIM, 'udp', '--server',
                                 f'[::1]:{silent.port}', '--master', mfile,
                                 '--count', '5', '--first',
                                 '00124b0000a00000', '--timeout', '60',
                                 '--state', st], signal.SIGINT, 1.5)
    used = silent.hellos()
    good, held = read_state(st)
    check(rc == 130 and last.startswith('0 authenticated, 0 failed, ') and
          last.endswith(', interrupted by SIGINT: 5 unfinished') and
          not err, 'SIGINT against a server that never answers: the '
          'closing line, 5 devices unfinished, status 130', last + err)
    check(good and len(used) == 5 and
          all(held.get(i) == c for i, c in used.items()),
          'and --state holds the CTRs used, as at a normal end',
          f'{held} {used}')
    silent.sock.close()
    st = os.path.join(tmp, 'sigterm.state')
    rc, last, err = interrupted([DEVSIM, 'udp', '--server',
                                 f'[::1]:{srv.port}', '--master', mfile,
                                 '--count', '6', '--wrong-key', '2',
                                 '--first', '00124b0000b00000',
                                 '--timeout', '60', '--state', st],
                                signal.SIGTERM, 1.0)
    check(rc == 143 and last.startswith('4 authenticated, 0 failed, ') and
          ', rate over the first ' in last and
          last.endswith(', interrupted by SIGTERM: 2 unfinished'),
          'SIGTERM with 4 devices authenticated and 2 with a wrong key '
          'still trying: counted so, status 143', last + err)
    stale = srv.stale
    rc, last, err = devsim(srv, mfile, 6, '--wrong-key', '2', '--state', st,
                           first='00124b0000b00000', timeout=2)
    check(rc == 0 and last.startswith('4 authenticated, 2 failed') and
          srv.stale == stale,
          'and the next run from that --state is fresh at once', last + err)

    # --first: the ID forms liteauth takes, through its parser, and no
    # IDs past the last.
    forms = [run('keys', '--master', mfile, '--count', '3', '--first', f)
             for f in ('00124b0000c00000', '00:12:4b:00:00:c0:00:00',
                       '00-12-4B-00-00-C0-00-00')]
    check(forms[0][0] == 0 and forms[0] == forms[1] == forms[2] and
          forms[0][1].split()[0::2] == ids('00124b0000c00000', 3),
          '--first takes 16 hex digits, or pairs with \':\' or \'-\'',
          forms)
    rc, last, err = devsim(srv, mfile, 2, first='00:12:4b:00:00:c0:00:00')
    check(rc == 0 and last.startswith('2 authenticated, 0 failed'),
          'devices from a --first in the colon form authenticate',
          last + err)
    before = len(srv.hellos)
    for mode in ('keys', 'udp'):
        rc, out, err = run(mode, '--server', f'[::1]:{srv.port}', '--master',
                           mfile, '--count', '2', '--first',
                           'ffffffffffffffff')
        check(rc == 2 and not out and len(srv.hellos) == before and
              '--first ffffffffffffffff --count 2: the IDs would run past '
              'ffffffffffffffff and wrap to 0000000000000000; from this '
              '--first, --count is at most 1' in err and USAGE_LINE in err,
              f'{mode} --first ffffffffffffffff --count 2: refused (the IDs '
              'would wrap), nothing sent', err)
    rc, out, err = run('keys', '--master', mfile, '--count', '1', '--first',
                       'ff:ff:ff:ff:ff:ff:ff:ff')
    check(rc == 0 and out.startswith('ffffffffffffffff '),
          '--first ffffffffffffffff --count 1: the last ID itself', out + err)
    for f, why in (('00124b', 'it has 6 hex digits, not 16'),
                   ('00:12:4b:00:00:c0:00', 'character 3 is not a hex digit'),
                   ('00:12:4b-00:00:c0:00:00',
                    "character 9 is not ':' as between the other pairs")):
        rc, out, err = run('keys', '--master', mfile, '--count', '1',
                           '--first', f)
        check(rc == 2 and not out and "--first wants an ID of 16 hex "
              "digits, or 8 pairs with ':' or '-' between them, not "
              f"'{f}': {why}" in err, f'--first {f}: refused, saying why',
              err)

    # --server: HOST:PORT, [IPV6]:PORT, IPV4:PORT; a port from 1 to 65535.
    for spec, why in (('[::1]:99999',
                       "the port is a number from 1 to 65535, not '99999'"),
                      ('[::1]:0',
                       "the port is a number from 1 to 65535, not '0'"),
                      ('127.0.0.1:http',
                       "the port is a number from 1 to 65535, not 'http'"),
                      ('::1:61641', 'an IPv6 address goes in brackets'),
                      ('localhost', 'it has no :PORT'),
                      ('[::1:61641', "it has no ']' after the IPv6 address"),
                      (':61641', 'it has no host before the port')):
        rc, out, err = run('udp', '--server', spec, '--master', mfile,
                           '--count', '1')
        check(rc == 2 and not out and USAGE_LINE in err and
              "--server wants HOST:PORT, [IPV6]:PORT or IPV4:PORT, not "
              f"'{spec}': {why}" in err,
              f'--server {spec}: refused, saying why (status 2)', err)
    rc, out, err = run('udp', '--server', 'no-such-host.invalid:61641',
                       '--master', mfile, '--count', '1')
    check(rc == 1 and not out and 'cannot resolve no-such-host.invalid '
          '(--server no-such-host.invalid:61641): ' in err and
          'Success' not in err,
          'an unknown host: the resolver\'s reason, not "Success"', err)
    dual = Server(master, host='::')
    for n, spec in enumerate(('localhost:%d', '127.0.0.1:%d', '[::1]:%d')):
        rc, last, err = devsim(dual, mfile, 1, server=spec % dual.port,
                               first='00124b0000d0000%d' % n)
        check(rc == 0 and last.startswith('1 authenticated, 0 failed'),
              f'--server {spec % dual.port}: authenticates', last + err)
    dual.stop = True
    dual.join()
    sk = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sk.bind(('::1', 0))
    free = sk.getsockname()[1]
    sk.close()
    rc, last, err = devsim(srv, mfile, 1, server=f'[::1]:{free}', timeout=1)
    check(rc == 1 and last.startswith('0 authenticated, 1 failed') and
          f'liteauth-devsim: [::1]:{free} refused the datagrams: Connection '
          'refused (is a server listening there?)' in err,
          'a port nothing listens on: said, once', err)

    # The command line: --help, --version, and usage errors (status 2).
    for args in (['--help'], ['udp', '--help'], ['keys', '-h']):
        rc, out, err = run(*args)
        mode = args[0] if args[0] != '--help' else 'keys'
        check(rc == 0 and out.startswith('usage: liteauth-devsim ' + mode) and
              '--progress' in out and not err,
              ' '.join(args) + ': the usage on stdout, status 0', out + err)
    rc, out, err = run('--version')
    check(rc == 0 and re.fullmatch(r'liteauth-devsim \d+\.\d+\.\d+ \(wire '
                                   r'protocol version 2\)\n', out),
          '--version', out + err)
    rc, out, err = run()
    check(rc == 2 and err.startswith('usage: liteauth-devsim') and not out,
          'no arguments: the usage, status 2', err)
    for args, msg in (
            (['bogus'], "the first argument is keys, udp or radio, not "
             "'bogus'"),
            (['keys', '--master', mfile, '--count', '1', '--bogus'],
             "unknown option '--bogus'"),
            (['keys', '--master', mfile, '--count'],
             "option '--count' needs a value"),
            (['keys', '--master', mfile, '--count', '1', 'extra'],
             "unexpected argument 'extra'"),
            (['keys', '--count', '1'],
             'keys wants --master FILE and --count N'),
            (['udp', '--master', mfile, '--count', '1'],
             'udp wants --server HOST:PORT'),
            (['radio', '--master', mfile, '--count', '1', '--interface',
              'lo'], 'radio wants --interface IF, --pan PAN and --gateway '
             'SHORT'),
            (['keys', '--master', mfile, '--count', '0'],
             "--count wants a number from 1 to 10000000, not '0'")):
        rc, out, err = run(*args)
        check(rc == 2 and not out and err.startswith('liteauth-devsim: ' +
                                                     msg + '\n') and
              err.endswith('\n' + USAGE_LINE + ' [options] (liteauth-devsim '
                           '--help for all)\n'),
              'usage error: ' + msg + ' (status 2, and a usage line)', err)


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
    check(rc == 0 and '5 answered with the old KEY, 0 with a fresh KEY '
          '(none got a new session key' in last,
          'replayed HELLOs answered with the KEY already given: '
          'harmless, and said so', last + err)
    srv.replays = 'fresh'
    rc, last, err = devsim(srv, mfile, 5, '--state', state, '--replay')
    srv.replays = 'stale'
    check(rc == 3 and '5 with a fresh KEY (a fresh KEY is a new session '
          'key' in last,
          'a server that answers a replay with a fresh KEY fails the run '
          '(status 3: the protocol broken)', last + err)

    operator(srv, master, mfile, tmp)

    srv.stop = True
    srv.join()
    subprocess.run(['rm', '-rf', tmp])
    return 1 if failures else 0


sys.exit(main())
