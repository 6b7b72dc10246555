#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# ops.py LITEAUTHD LITEAUTH DEVSIM: liteauthd as an operator meets it
# (issue 13, "An operator's day"): where its lines go (syslog, or stderr
# when nothing listens on /dev/log, so that a failed start says why), their
# prefix (liteauthd[PID]: and an ISO 8601 time), log-level and --verbose,
# the listen addresses told once bound (the real port of :0), each bad
# address refused naming the option or the line, a name bound on each of
# its addresses, the usage line, --version and usage errors' status 2,
# repeated lines suppressed with a count.
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

LITEAUTHD, LITEAUTH, DEVSIM = map(os.path.abspath, sys.argv[1:4])
TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
sys.path.insert(0, os.path.join(TOP, 'tests', 'lib'))
import ktap  # noqa: E402
from ktap import check  # noqa: E402

tmp = tempfile.mkdtemp(prefix='ops.')
os.chdir(tmp)
with open('pass', 'w') as f:
    f.write('ops suite passphrase ' + os.urandom(8).hex() + '\n')
os.chmod('pass', 0o600)
r = subprocess.run([LITEAUTH, '--db', 'db', '--passphrase-file', 'pass',
                    'genkey'], capture_output=True, text=True)
with open('dev.key', 'w') as f:
    f.write(r.stdout)
r = subprocess.run([LITEAUTH, '--db', 'db', '--passphrase-file', 'pass',
                    'device', 'add', '00124b0001020304', '--key-file',
                    'dev.key'], capture_output=True, text=True)
assert r.returncode == 0, r.stderr
open('empty.conf', 'w').close()
BASE = [LITEAUTHD, '--db', 'db', '--passphrase-file', 'pass', '--no-netlink',
        '--config', 'empty.conf']
PREFIX = re.compile(r'^liteauthd\[(\d+)\]: '
                    r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S')


def run(args, timeout=10):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def serve(args, until='serving database', timeout=10):
    """liteauthd with @args until it logs @until, then SIGTERM: (status,
    stderr, its pid)."""
    p = subprocess.Popen(BASE + args, stderr=subprocess.PIPE)
    fd = p.stderr.fileno()
    os.set_blocking(fd, False)
    err, t0 = b'', time.monotonic()
    while time.monotonic() - t0 < timeout and p.poll() is None:
        try:
            err += os.read(fd, 65536)
        except BlockingIOError:
            pass
        if until.encode() in err:
            break
        time.sleep(0.02)
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    os.set_blocking(fd, True)
    err += p.stderr.read()
    return p.returncode, err.decode(errors='replace'), p.pid


def free_port(family=socket.AF_INET6, host='::1'):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --version, --help, usage errors.
with open(os.path.join(TOP, 'tools', 'lib', 'version.h')) as f:
    release = re.search(r'LITEAUTH_RELEASE\s+"([^"]+)"', f.read()).group(1)
rc, out, err = run([LITEAUTHD, '--version'])
check(rc == 0 and out == f'liteauthd {release}\n',
      f'--version prints "liteauthd {release}" (LITEAUTH_RELEASE)', out + err)
rc, out, err = run([LITEAUTHD, '--help'])
check(rc == 0 and out.startswith('usage: liteauthd [--db DIR] '
                                 '[--listen ADDR]... [--config F]') and
      '[--foreground] [--verbose]...' in out,
      '--help: the usage line shows the optional flags in brackets', out)
for args, what in ((['--bogus'], 'an unknown option'),
                   (['extra'], 'an argument'),
                   (['--listen'], 'an option without its value')):
    rc, out, err = run([LITEAUTHD] + args)
    check(rc == 2 and 'usage: liteauthd' in err and not out,
          f'{what}: a usage line on stderr, status 2', err)

# Bad addresses, on the command line and in the file.
for spec, why in (('[::1]:99999', "the port is a number from 1 to 65535 "
                   "(or 0, any free port), not '99999'"),
                  ('[::1]:-1', "the port is a number from 1 to 65535"),
                  ('127.0.0.1:http', "the port is a number from 1 to 65535 "
                   "(or 0, any free port), not 'http'"),
                  ('::1:61630', 'an IPv6 address goes in brackets'),
                  ('localhost', 'it has no :PORT'),
                  ('[::1:61630', "it has no ']' after the IPv6 address")):
    rc, out, err = run(BASE + ['--foreground', '--listen', spec])
    check(rc == 2 and f"--listen: bad listen address '{spec}': {why}" in err,
          f'--listen {spec}: refused, saying why (status 2)', err)
    with open('bad.conf', 'w') as f:
        f.write(f'# a comment\nlisten = {spec}\n')
    rc, out, err = run(BASE[:-1] + ['bad.conf', '--foreground'])
    check(rc == 1 and
          f"bad.conf:2: bad listen address '{spec}': {why}" in err,
          f'listen = {spec} in the file: refused, naming the line', err)
rc, out, err = run(BASE + ['--foreground', '--role', 'relay', '--upstream',
                           '[::1]:0'])
check(rc == 2 and "--upstream: bad upstream address '[::1]:0': the port is "
      "a number from 1 to 65535, not '0'" in err,
      '--upstream [::1]:0: refused (an upstream has a port)', err)
rc, out, err = run(BASE + ['--foreground', '--listen',
                           'no-such-host.invalid:61630'])
check(rc == 1 and "listen address 'no-such-host.invalid:61630': " in err and
      'Success' not in err,
      'a name that does not resolve: the resolver\'s reason', err)

# The prefix and the addresses once bound.
rc, err, pid = serve(['--foreground', '--listen', '[::1]:0'])
lines = err.splitlines()
m = [PREFIX.match(x) for x in lines]
check(lines and all(m) and all(int(x.group(1)) == pid for x in m),
      'each line starts liteauthd[PID]: and an ISO 8601 time (UTC, ms)',
      err)
bound = re.findall(r'listening on \[::1\]:(\d+)$', err, re.M)
check(rc == 0 and len(bound) == 1 and int(bound[0]) > 0,
      '--listen [::1]:0: "listening on [::1]:PORT" with the real port', err)

port = free_port()
rc, err, pid = serve(['--foreground', '--listen', f'localhost:{port}'])
want = sorted({(a[4][0], a[0]) for a in socket.getaddrinfo(
    'localhost', port, type=socket.SOCK_DGRAM)})
got = re.findall(r'listening on (\S+)$', err, re.M)
fmt = sorted(f'[{a}]:{port}' if fam == socket.AF_INET6 else f'{a}:{port}'
             for a, fam in want)
check(rc == 0 and sorted(got) == fmt,
      f'--listen localhost:{port}: bound on each address it resolves to '
      f'({", ".join(fmt)})', err)

port = free_port(socket.AF_INET, '127.0.0.1')
rc, err, pid = serve(['--foreground', '--listen', f':{port}'])
got = sorted(re.findall(r'listening on (\S+)$', err, re.M))
check(rc == 0 and got == sorted([f'0.0.0.0:{port}', f'[::]:{port}']),
      f'--listen :{port}: both wildcards, each told', err)

# Levels.
rc, err, _ = serve(['--foreground', '--listen', '[::1]:0'])
check('checked the key store' in err,
      'by default, info lines are told', err)
with open('notice.conf', 'w') as f:
    f.write('log-level = notice\n')
rc, err, _ = serve(['--config', 'notice.conf', '--foreground', '--listen',
                    '[::1]:0'])
check(rc == 0 and 'listening on' in err and
      'checked the key store' not in err,
      'log-level = notice: notice lines told, info lines not', err)
rc, err, _ = serve(['--config', 'notice.conf', '--foreground', '--verbose',
                    '--listen', '[::1]:0'])
check(rc == 0 and 'checked the key store' in err,
      'log-level = notice and --verbose: info lines told again', err)
with open('error.conf', 'w') as f:
    f.write('log-level = error\n')
rc, err, _ = serve(['--config', 'error.conf', '--foreground', '--listen',
                    '[::1]:0'], until='never', timeout=1.5)
check(rc == 0 and not err, 'log-level = error: a clean run says nothing',
      err)
with open('bad.conf', 'w') as f:
    f.write('log-level = loud\n')
rc, out, err = run(BASE[:-1] + ['bad.conf', '--foreground'])
check(rc == 1 and "bad.conf:1: bad value 'loud' for log-level" in err,
      'log-level = loud: refused, naming the line', err)


# Repeated lines suppressed with a count (liteauthd(8), LOGGING): 200 bad
# datagrams and 200 requests too long for the control socket, then
# SIGTERM: of each kind one line or a few, and a summary at the stop
# whose count makes up the 200.
def flood(port):
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for _ in range(200):
        u.sendto(b'\x00junk', ('::1', port))
    u.close()
    for _ in range(200):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        c.settimeout(5)
        c.connect(os.path.join(tmp, 'db', 'control'))
        c.send(b'\x01' * (64 * 1024 + 1))
        try:
            c.recv(16)      # b'': the daemon dropped it
        except OSError:
            pass
        c.close()


p = subprocess.Popen(BASE + ['--foreground', '--listen', '[::1]:0'],
                     stderr=subprocess.PIPE)
err, t0 = b'', time.monotonic()
os.set_blocking(p.stderr.fileno(), False)
while b'serving database' not in err and time.monotonic() - t0 < 10:
    try:
        err += os.read(p.stderr.fileno(), 65536)
    except BlockingIOError:
        time.sleep(0.02)
port = int(re.search(rb'listening on \[::1\]:(\d+)', err).group(1))
flood(port)
time.sleep(0.5)
p.send_signal(signal.SIGTERM)
os.set_blocking(p.stderr.fileno(), True)
err = (err + p.stderr.read()).decode(errors='replace')
p.wait(timeout=10)
for kind, line in (('drop-malformed', 'message refused: drop-malformed'),
                   ('control socket: a request too long',
                    'control socket: a request too long (65537 bytes): '
                    'dropped')):
    told = err.count(line)
    sums = [int(n) for n in re.findall(
        re.escape(kind) + r': and (\d+) more in the last \d+ s, suppressed$',
        err, re.M)]
    check(p.returncode == 0 and 1 <= told <= 3 and len(sums) == 1 and
          told + sum(sums) == 200,
          f'200 times "{line}": {told} line(s) told and a summary at the '
          f'stop of {sums} more, 200 in all', err[-3000:])
last = err.rfind('suppressed\n')
check(err.count('\n') < 40 and 0 < last < err.find('drop-malformed: 200\n'),
      'a flood of 400 bad requests: fewer than 40 lines in all, the '
      'summaries before the counters', err[-3000:])

# No syslog: without --foreground, a failed start says why on stderr.
# /dev/log hidden in a mount namespace of its own when there is one.
def no_syslog(cmd):
    if os.path.exists('/dev/log'):
        cmd = ['unshare', '-m', 'sh', '-c',
               'mount --bind /dev/null /dev/log && exec "$@"', 'sh'] + cmd
    return run(cmd)


rc, out, err = no_syslog([LITEAUTHD, '--db', 'no-such-db', '--passphrase-file', 'pass',
                          '--no-netlink', '--config', 'empty.conf',
                          '--listen', '[::1]:0'])
check(rc == 1 and 'no-such-db' in err and PREFIX.match(err),
      'without --foreground and no /dev/log: a failed start (no store) '
      'says why on stderr, status 1', err)
with open('bad.conf', 'w') as f:
    f.write('life = 0\n')
rc, out, err = no_syslog(BASE[:-1] + ['bad.conf', '--listen', '[::1]:0'])
check(rc == 1 and "bad.conf:1: bad value '0' for life" in err,
      'without --foreground and no /dev/log: a bad config file is told on '
      'stderr, status 1', err)

# With a syslog listening on /dev/log (one of this script's own, on a
# tmpfs over /dev in a mount namespace): the error goes there, with
# liteauthd[PID], and not to stderr (a pipe, not a terminal).
SYSLOG = r'''
import socket, subprocess, sys
subprocess.run(['mount', '-t', 'tmpfs', 'none', '/dev'], check=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('/dev/log')
s.settimeout(2)
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
got = []
try:
    while True:
        got.append(s.recv(4096).decode(errors='replace'))
except OSError:
    pass
print(r.returncode, repr(r.stderr), repr(got))
'''
r = subprocess.run(['unshare', '-m', sys.executable, '-c', SYSLOG, LITEAUTHD,
                    '--db', os.path.join(tmp, 'no-such-db'), '--no-netlink',
                    '--listen', '[::1]:0'], capture_output=True, text=True,
                   timeout=30)
if r.returncode:
    print('ok - # SKIP with a syslog: no mount namespace here: '
          + r.stderr.strip()[-100:], flush=True)
else:
    rc, err, got = r.stdout.split(' ', 2)
    check(rc == '1' and err == "''" and 'liteauthd[' in got and
          'no-such-db' in got,
          'without --foreground, a syslog on /dev/log: a failed start says '
          'why there, with liteauthd[PID] (status 1)', r.stdout)

subprocess.run(['rm', '-rf', tmp])
sys.exit(1 if ktap.failures else 0)
