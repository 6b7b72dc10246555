#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# fault.py LITEAUTHD LITEAUTH DEVSIM LAPROTO: the fault suite of issue 12
# ("What it must show"), against the real liteauthd, liteauth and Berkeley
# DB, on loopback. One verdict each, with its figures on "# " lines. All
# the while, liteauth-devsim plays 20 devices, authenticating them over and
# over (liteauthd runs with rate-device = 0 for them).
#
#   1. liteauth device import of 100,000 devices SIGKILLed at 20 random
#      points while liteauthd serves devsim: every handshake succeeds,
#      liteauthd stays the same process, and each killed import leaves
#      whole transactions of 256: the import sorts the file by ID (this one
#      is in ID order already) and sends it 256 a request, so the devices
#      there are always the first k*256 in that order, each with its key;
#      --skip-existing then brings it to exactly 100,000.
#   2. A liteauth SIGSTOPped in the middle of an import for 10 s: 99% of
#      the handshakes during it take under 100 ms, and none 1 s (devsim's
#      own time of each, HELLO to ACK; the machine is shared, so the
#      slowest is reported, not held to 100 ms); after SIGCONT the import
#      finishes.
#   3. liteauthd SIGKILLed while devices authenticate (the 20, and 10,000
#      at once) and an import runs: the import fails within 5 s saying
#      liteauthd went away, and every device it reported imported is there;
#      a new liteauthd recovers the store, and the devices authenticate,
#      those caught mid-handshake too.
#   4. A flood of datagrams (garbage, and HELLOs of unknown devices) from
#      two processes, and a SIGTERM during it: liteauthd exits with status
#      0 within 1 s.
#   4b. liteauthd, started with no limit on its core's size, SIGSEGVed once
#      it has authenticated devices: the kernel writes no core of it (it
#      does one of another process in the same conditions; where it writes
#      none for any process, the verdict is a skip).
#   4c. liteauthd as a user allowed one process (no checkpoint thread):
#      it says so, checkpoints in its loop, and serves.
#   5. Then every file under the store directory, read whole, searched for
#      every device key (16 bytes, and its hex digits) and the passphrase:
#      0 hits; and no Berkeley DB region file (__db.*).
#
# The timings are reported, and asserted only where the issue sets a
# bound. FAULT_SEED=N in the environment repeats a run's random draws.
import multiprocessing
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from array import array

LITEAUTHD, LITEAUTH, DEVSIM, LAPROTO = map(os.path.abspath, sys.argv[1:5])
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'lib'))
import ktap  # noqa: E402
from ktap import check  # noqa: E402

T_START = time.monotonic()
SEED = int(os.environ.get('FAULT_SEED',
                          random.SystemRandom().randrange(1 << 31)))
rng = random.Random(SEED)
BATCH = 256			# LA_CTL_BATCH: a transaction of liteauthd's
N = 100000
KILLS = 20
tmp = tempfile.mkdtemp(prefix='fault.')
os.chdir(tmp)
daemons = []			# every liteauthd started, for the end


def stopped_early(kind, value, tb):
    """A crash is a failure, said as one; no liteauthd is left behind."""
    traceback.print_exception(kind, value, tb)
    print(f'not ok - fault.py stopped: {kind.__name__}: {value}', flush=True)
    for d in daemons:
        if d.poll() is None:
            d.kill()
    sys.exit(1)


sys.excepthook = stopped_early
PASSPHRASE = 'fault suite passphrase ' + os.urandom(12).hex()


def secret_file(name, text):
    with open(name, 'w') as f:
        f.write(text)
    os.chmod(name, 0o600)


def took(since):
    return f'{time.monotonic() - since:.1f} s'


def finish(proc, timeout):
    """@proc's (stdout, stderr) once it ends, killed if it is still
    running after @timeout s (said at the end of its stderr, or of its
    stdout when stderr goes there)."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        note = f' (still running after {timeout} s: killed)'
        return (out, err + note) if err is not None else (out + note, err)


def figures(*lines):
    for line in lines:
        print('# ' + line, flush=True)


secret_file('pass', PASSPHRASE + '\n')
# The same 20 devices authenticate over and over, far above the 30 a
# minute each that liteauthd accepts by default: no limit for them.
with open('liteauthd.conf', 'w') as f:
    f.write('rate-device = 0\n')


def la(*args, stdin=None, db='db', timeout=120):
    r = subprocess.run([LITEAUTH, '--db', db, '--passphrase-file', 'pass',
                        *args], input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr.strip()


def import_cmd(path, *opts, db='db'):
    return [LITEAUTH, '--db', db, '--passphrase-file', 'pass', 'device',
            'import', *opts, path]


def keys(master, count, first=None):
    r = subprocess.run([DEVSIM, 'keys', '--master', master, '--count',
                        str(count)] + (['--first', first] if first else []),
                       capture_output=True, text=True, check=True)
    return r.stdout


def parse_keys(text):
    return dict(line.split()[:2] for line in text.splitlines())


def free_port():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(('::1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def unlimited_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,) * 2)


def start_daemon(db, port, log, core=False):
    """liteauthd on @db at [::1]:@port, once it says it serves: (the
    process, seconds it took), or (the process, None). @core: started
    with no limit on the size of its core."""
    t0 = time.monotonic()
    f = open(log, 'a+')
    d = subprocess.Popen([LITEAUTHD, '--db', db, '--passphrase-file', 'pass',
                          '--config', 'liteauthd.conf',
                          '--no-netlink', '--foreground', '--listen',
                          '[::1]:%d' % port], stderr=f,
                         preexec_fn=unlimited_core if core else None)
    daemons.append(d)
    start = f.tell()
    while time.monotonic() - t0 < 20 and d.poll() is None:
        f.seek(start)
        if 'serving database' in f.read():
            return d, time.monotonic() - t0
        time.sleep(0.01)
    return d, None


def listed(db='db'):
    """ID -> key of every device, from --show-keys device list."""
    rc, out, err = la('--show-keys', 'device', 'list', db=db)
    if rc:
        raise RuntimeError('device list: ' + err)
    return {f[0]: f[7] for f in (line.split('\t') for line in
                                 out.splitlines())}


SUMMARY = re.compile(r'^(\d+) authenticated, (\d+) failed, (\d+) resends',
                     re.M)
DEVICE = re.compile(r'^device \S+ authenticated: .*?, (\d+) ms, (\d+) resends',
                    re.M)


class Sim(threading.Thread):
    """liteauth-devsim runs of the 20 simulated devices, one after the
    other, until stop(): each run's start, end, authenticated, failed,
    resends and per-device handshake times (ms)."""

    def __init__(self, port, timeout):
        super().__init__(daemon=True)
        self.port, self.timeout = port, timeout
        self.runs = []
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            t0 = time.monotonic()
            r = subprocess.run([DEVSIM, 'udp', '--server',
                                '[::1]:%d' % self.port, '--master', 'smaster',
                                '--state', 'sim.state', '--count', '20',
                                '--timeout', str(self.timeout), '--verbose'],
                               capture_output=True, text=True)
            m = SUMMARY.search(r.stdout)
            ok, failed, resends = map(int, m.groups()) if m else (0, 20, 0)
            if r.returncode and not failed:
                failed = 20 - ok
            ms = [int(x.group(1)) for x in DEVICE.finditer(r.stdout)]
            self.runs.append((t0, time.monotonic(), ok, failed, resends, ms))
            self.halt.wait(0.02)

    def stop(self):
        self.halt.set()
        self.join()
        return self

    def totals(self, runs=None):
        runs = self.runs if runs is None else runs
        return (sum(r[2] for r in runs), sum(r[3] for r in runs),
                sum(r[4] for r in runs), [m for r in runs for m in r[5]])


def lock_pid(db='db'):
    try:
        return int(open(os.path.join(db, 'lock')).read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def region_files(db='db'):
    return sorted(os.path.join(p, f) for p, _, fs in os.walk(db)
                  for f in fs if f.startswith('__db'))


# The store: the 20 devices liteauth-devsim plays, provisioned beforehand
# (liteauth opens the store itself: no liteauthd yet).
secret_file('smaster', la('genkey')[1])
secret_file('imaster', la('genkey')[1])
sim_keys = parse_keys(keys('smaster', 20))
secret_file('sim.txt', keys('smaster', 20))
rc, _, err = la('device', 'import', 'sim.txt')
assert rc == 0, err
text = keys('imaster', N, '00124b0100000000')
secret_file('import.txt', text)
want = parse_keys(text)
order = [line.split()[0] for line in text.splitlines()]
ids = sorted(want)		# the order in which the import writes them
all_keys = dict(want)
all_keys.update(sim_keys)
port = free_port()

# How long an import of them takes through a liteauthd, on a scratch
# store: reading and sorting the file (one refused for an ID twice), a
# whole import, and one that skips them all; each kill point is drawn
# from these, so that the kills fall all along the import.
cal_port = free_port()
la('device', 'import', 'sim.txt', db='cal')
cal, _ = start_daemon('cal', cal_port, 'cal.log')
secret_file('dup.txt', text + order[0] + ' ' + want[order[0]] + '\n')
timed = []
for f, opts in (('dup.txt', ()), ('import.txt', ()),
                ('import.txt', ('--skip-existing',))):
    t0 = time.monotonic()
    r = subprocess.run(import_cmd(f, *opts, db='cal'), capture_output=True)
    timed.append((time.monotonic() - t0, r.returncode))
cal.terminate()
cal.wait()
subprocess.run(['rm', '-rf', 'cal'])
assert [rc for _, rc in timed] == [1, 0, 0], timed
t_read, whole, t_skip = [t for t, _ in timed]


def kill_point(p):
    """When to kill an import that finds @p of the file's devices there:
    after it has read the file and passed them, somewhere in the next
    1.5/KILLS of the import (so that 20 kills leave some to add, on
    average); once they are all in, anywhere in it."""
    if p == N:
        return rng.uniform(0, t_skip)
    return t_read + (t_skip - t_read) * p / N + \
        rng.uniform(0, 1.5 * (whole - t_read) / KILLS)


# 1. Twenty SIGKILLs of an import while devices authenticate.
t_check = time.monotonic()
d, up = start_daemon('db', port, 'liteauthd.log')
pid0 = d.pid
sim = Sim(port, timeout=5)
sim.start()
history = []			# devices of the file there after each kill
problems = []
tries = kills = 0
while kills < KILLS and tries < 3 * KILLS:
    tries += 1
    at = kill_point(history[-1][1] if history else 0)
    p = subprocess.Popen(import_cmd('import.txt', '--skip-existing'),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(at)
    if p.poll() is not None:		# finished before its kill point
        p.communicate()
        if p.returncode:
            problems.append(f'an import ended with {p.returncode} before '
                            f'its kill at {at:.3f} s')
        continue
    p.kill()
    p.communicate()
    kills += 1
    there = listed()
    m = sum(1 for i in ids if i in there)
    if set(ids[:m]) != {i for i in there if i in want}:
        problems.append(f'kill {kills} at {at:.3f} s: the {m} devices there '
                        'are not the first in ID order')
    if m % BATCH and m != N:
        problems.append(f'kill {kills} at {at:.3f} s: {m} devices there, '
                        f'not a whole number of batches of {BATCH}')
    if history and m < history[-1][1]:
        problems.append(f'kill {kills}: {m} devices, fewer than before')
    bad = [i for i in there if i in all_keys and there[i] != all_keys[i]]
    if bad or any(i not in there for i in sim_keys) or \
            len(there) != m + len(sim_keys):
        problems.append(f'kill {kills}: {len(bad)} wrong keys, '
                        f'{len(there)} devices in all')
    history.append((at, m))
    if d.poll() is not None or lock_pid() != pid0:
        problems.append(f'kill {kills}: liteauthd is gone or replaced '
                        f'(lock names {lock_pid()})')
        break
if kills < KILLS:
    problems.append(f'only {kills} of {tries} imports were still running '
                    'at their kill point')
t0 = time.monotonic()
rc, _, err = la('device', 'import', '--skip-existing', 'import.txt')
last = time.monotonic() - t0
there = listed()
m = re.search(r'imported (\d+) devices \((\d+) skipped\)', err)
sim.stop()
ok, failed, resends, ms = sim.totals()
bad = [i for i in all_keys if there.get(i) != all_keys[i]]
before = history[-1][1] if history else 0
idle = sum(1 for a, b in zip([(0, 0)] + history, history) if a[1] == b[1])
final_ok = (rc == 0 and m and int(m.group(1)) == N - before and
            int(m.group(2)) == before and len(there) == N + 20 and not bad)
if not final_ok:
    problems.append(f'final import: status {rc}, "{err}", {len(there)} '
                    f'devices, {len(bad)} wrong or missing keys')
figures(f'seed {SEED}; an import of {N} through liteauthd (without devsim): '
        f'reading {t_read:.2f} s, whole {whole:.2f} s, all skipped '
        f'{t_skip:.2f} s; {kills} kills in {tries} tries',
        'kill points (s) -> devices of the file there (batches of 256): ' +
        ', '.join(f'{a:.2f}->{k}({k // BATCH})' for a, k in history),
        f'the last import (--skip-existing): "{err}" in {last:.2f} s; '
        f'{len(there)} devices there, {len(bad)} wrong or missing keys '
        f'(all {len(there)} compared)',
        f'devsim: {len(sim.runs)} runs, {ok} handshakes succeeded, {failed} '
        f'failed, {resends} HELLO resends, slowest '
        f'{max(ms) if ms else "-"} ms; liteauthd pid {pid0}, now '
        f'{lock_pid()}, running: {d.poll() is None}; '
        f'kills that added nothing: {idle}; no __db.* file: '
        f'{not region_files()}; the check took {took(t_check)}')
figures(*problems)
check(not problems and failed == 0 and ok == 20 * len(sim.runs) and ok > 0
      and d.poll() is None and lock_pid() == pid0 and order == ids and
      not region_files(),
      f'{KILLS} SIGKILLs of a {N}-device import while liteauthd serves devsim:'
      f' {ok}/{ok + failed} handshakes succeed, the same liteauthd throughout,'
      f' each kill leaves whole batches of {BATCH} in ID order with their '
      f'keys, and --skip-existing brings it to exactly {N}')

# 2. A liteauth stopped for 10 s in the middle of an import.
t_check = time.monotonic()
text = keys('imaster', N, '00124b0200000000')
secret_file('import2.txt', text)
all_keys.update(parse_keys(text))
first2 = min(parse_keys(text))
p = subprocess.Popen(import_cmd('import2.txt'), stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
t0 = time.monotonic()
while time.monotonic() - t0 < 30 and p.poll() is None and \
        la('device', 'show', first2)[0]:
    time.sleep(0.01)		# until its first transaction is in
time.sleep(rng.uniform(0, whole / 3))
started = p.poll() is None
p.send_signal(signal.SIGSTOP)
stopped = time.monotonic()
sim = Sim(port, timeout=5)
sim.start()
time.sleep(1)
rc_mid, out, _ = la('device', 'list')
mid = sum(1 for line in out.splitlines() if line.startswith('00124b02'))
while time.monotonic() - stopped < 10:
    time.sleep(0.05)
sim.stop()
p.send_signal(signal.SIGCONT)
resumed = time.monotonic()
_, err = finish(p, 60)
finished = time.monotonic() - resumed
runs = [r for r in sim.runs if r[1] <= resumed]
ok, failed, resends, ms = sim.totals(runs)
there = listed()
n2 = sum(1 for i in there if i.startswith('00124b02'))
figures(f'stopped after {mid} of its {N} devices were in; during the '
        f'{resumed - stopped:.1f} s stop: {len(runs)} devsim runs, {ok} '
        f'handshakes, {failed} failed, {resends} HELLO resends; handshake '
        f'(HELLO to ACK) max {max(ms) if ms else "-"} ms, median '
        f'{statistics.median(ms) if ms else "-"} ms',
        f'after SIGCONT: status {p.returncode}, "{err.strip()}", in '
        f'{finished:.2f} s; {n2} of its devices there; the check took '
        f'{took(t_check)}')
# The bound is 100 ms; on this shared 2-core machine a handshake
# can wait for the scheduler, so: 99% of them under 100 ms, and none near
# the 3 s a stopped liteauth used to cost (under 1 s).
p99 = sorted(ms)[int(len(ms) * 0.99)] if ms else None
check(started and rc_mid == 0 and 0 < mid < N and ms and p99 < 100 and
      max(ms) < 1000 and failed == 0 and len(ms) == ok == 20 * len(runs) and
      p.returncode == 0 and 'imported %d devices (0 skipped)' % N in err and
      n2 == N,
      f'a liteauth SIGSTOPped for 10 s mid-import: {ok} handshakes during it, '
      f'99% under {p99} ms (< 100 ms), the slowest {max(ms) if ms else "-"} '
      f'ms (< 1 s), median {statistics.median(ms) if ms else "-"} ms; after '
      'SIGCONT the import finishes')

# 3. liteauthd SIGKILLed while devices authenticate and an import runs.
t_check = time.monotonic()
text = keys('imaster', N, '00124b0300000000')
secret_file('import3.txt', text)
all_keys.update(parse_keys(text))
ids3 = sorted(parse_keys(text))
set3 = set(ids3)
sim = Sim(port, timeout=30)
sim.start()
time.sleep(0.3)
p = subprocess.Popen(import_cmd('import3.txt'), stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
t0 = time.monotonic()
while time.monotonic() - t0 < 30 and p.poll() is None and \
        la('device', 'show', ids3[0])[0]:
    time.sleep(0.01)
# And devices of the first file, many at once, each trying for 30 s.
big = subprocess.Popen([DEVSIM, 'udp', '--server', '[::1]:%d' % port,
                        '--master', 'imaster', '--first', ids[0], '--count',
                        '10000', '--concurrency', '8', '--timeout', '30',
                        '--state', 'big.state'], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
time.sleep(0.1 + rng.uniform(0, whole / 4))
running = p.poll() is None and big.poll() is None
d.kill()
killed = time.monotonic()
d.wait()
_, err = finish(p, 30)
gone = time.monotonic() - killed
err = err.strip()
d, up = start_daemon('db', port, 'liteauthd.log')
back = time.monotonic() - killed
while up and time.monotonic() - killed < back + 15 and \
        not any(r[0] > killed + back for r in sim.runs):
    time.sleep(0.05)	# a whole devsim run against the new liteauthd
sim.stop()
big_out, _ = finish(big, 60)
big_sum = SUMMARY.search(big_out)
big_line = big_out.strip().splitlines()[-1] if big_out.strip() else ''
inflight = [r for r in sim.runs if r[0] < killed < r[1]]
after = [r for r in sim.runs if r[0] > killed + back]
rc_list = 0
try:
    there = listed()
except RuntimeError:
    there, rc_list = {}, 1
n3 = sum(1 for i in ids3 if i in there)
m = re.search(r'(\d+) devices were imported, the rest not', err)
said = int(m.group(1)) if m else -1
figures(f'the import, its liteauthd SIGKILLed after it reported {said} '
        f'devices imported: status {p.returncode} {gone:.2f} s after the kill,'
        f' "{err}"',
        f'a new liteauthd serves {back:.2f} s after the kill (its own start, '
        f'with recovery: {up:.2f} s)' if up else 'no new liteauthd serves',
        f'{n3} of the import\'s devices there ({n3 // BATCH} batches of '
        f'{BATCH}), keys right: '
        f'{all(there[i] == all_keys[i] for i in there if i in all_keys)}',
        f'10000 devices in flight across the kill (devsim, 30 s each): '
        f'status {big.returncode}, "{big_line}"',
        'runs of the 20 devices in flight across the kill: ' +
        (', '.join(f'{r[2]} authenticated, {r[3]} failed' for r in inflight)
         or 'none') +
        f'; runs after the new liteauthd: {len(after)}, '
        f'{sum(r[2] for r in after)} authenticated, '
        f'{sum(r[3] for r in after)} failed; the check took {took(t_check)}')
check(running and p.returncode == 1 and gone < 5 and 'liteauthd' in err and
      '--skip-existing' in err and 0 <= said <= n3 and
      n3 - said in (0, BATCH) and n3 % BATCH == 0 and
      set(ids3[:n3]) == {i for i in there if i in set3} and
      up is not None and not rc_list and after and
      all(r[2] == 20 and not r[3] for r in after) and big.returncode == 0 and
      big_line.startswith('10000 authenticated, 0 failed') and
      all(there[i] == all_keys[i] for i in there if i in all_keys),
      f'liteauthd SIGKILLed mid-import and mid-handshakes: the import fails '
      f'in {gone:.2f} s saying liteauthd went away, every device it reported '
      f'imported is there, and a new liteauthd serves the recovered store '
      f'in {up or 0:.2f} s: devices authenticate again, the 10000 caught '
      f'mid-handshake too')


# 4. A flood, and a SIGTERM during it.
def cpu(pid):
    """The CPU seconds process @pid has had."""
    with open(f'/proc/{pid}/stat') as f:
        st = f.read().rsplit(')', 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf('SC_CLK_TCK')


def flood(port, hellos, halt, sent):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.connect(('::1', port))
    r = random.Random(os.getpid())
    junk = [os.urandom(r.randrange(1, 128)) for _ in range(64)]
    n = 0
    while not halt.is_set():
        for m in junk + hellos:
            try:
                s.send(m)
                n += 1
            except OSError:	# ECONNREFUSED once liteauthd is gone
                pass
    sent.value = n


hellos = [bytes.fromhex(subprocess.run(
    [LAPROTO, 'hello', os.urandom(16).hex(), 'fe%014x' % i, '%08x' % (i + 1),
     os.urandom(8).hex()], capture_output=True, text=True,
    check=True).stdout.strip()) for i in range(16)]
halt = multiprocessing.Event()
sent = [multiprocessing.Value('q', 0) for _ in range(2)]
floods = [multiprocessing.Process(target=flood, args=(port, hellos, halt, v),
                                  daemon=True)
          for v in sent]
cpu0, t_flood = cpu(d.pid), time.monotonic()
for f in floods:
    f.start()
time.sleep(2)
busy = (cpu(d.pid) - cpu0) / (time.monotonic() - t_flood)
alive = d.poll() is None
d.send_signal(signal.SIGTERM)
t0 = time.monotonic()
try:
    d.wait(timeout=10)
except subprocess.TimeoutExpired:
    d.kill()
    d.wait()
exit_time = time.monotonic() - t0
halt.set()
flooded = time.monotonic() - t_flood
for f in floods:
    f.join()
total = sum(v.value for v in sent)
figures(f'{total} datagrams sent by 2 processes (garbage and HELLOs of '
        f'16 unknown devices) in {flooded:.1f} s; liteauthd busy '
        f'{busy:.0%} of a CPU in the 2 s before SIGTERM; it exited with '
        f'status {d.returncode} {exit_time * 1000:.0f} ms after SIGTERM')
check(alive and d.returncode == 0 and exit_time < 1 and total > 0,
      f'a flood of datagrams and a SIGTERM: liteauthd exits with status '
      f'{d.returncode} in {exit_time * 1000:.0f} ms (< 1 s)')


# 4b. liteauthd crashing writes no core, where the kernel writes one for
# another process in the same conditions (no limit on the core's size,
# the same directory): its core would hold every key it has read.
def crash(proc):
    """SIGSEGV @proc: (whether the kernel dumped its core, by its wait
    status; the core files it left in this directory)."""
    before = set(f for f in os.listdir('.') if f.startswith('core'))
    proc.send_signal(signal.SIGSEGV)
    _, status = os.waitpid(proc.pid, 0)
    proc.returncode = -signal.SIGSEGV
    left = sorted(f for f in os.listdir('.') if f.startswith('core') and
                  f not in before)
    return os.WCOREDUMP(status), left


with open('/proc/sys/kernel/core_pattern') as f:
    pattern = f.read().strip()
other = subprocess.Popen(['sleep', '60'], preexec_fn=unlimited_core)
time.sleep(0.2)
other_dumped, other_left = crash(other)
for c in other_left:
    os.unlink(c)
d, up = start_daemon('db', port, 'liteauthd.log', core=True)
r = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % port, '--master',
                    'smaster', '--state', 'sim.state', '--count', '20',
                    '--timeout', '10'], capture_output=True, text=True)
served = r.returncode == 0 and r.stdout.startswith('20 authenticated')
dumped, left = crash(d)
figures(f'core_pattern "{pattern}"; a sleep(1) SIGSEGVed with no core limit:'
        f' core dumped {bool(other_dumped)}, files {other_left}',
        f'liteauthd, having authenticated the 20 devices ({served}), '
        f'SIGSEGVed with no core limit: core dumped {bool(dumped)}, files '
        f'{left}')
if not other_dumped:
    print(f'ok - liteauthd crashing writes no core # SKIP this machine '
          f'writes no core for any process (core_pattern "{pattern}")',
          flush=True)
else:
    check(up is not None and served and not dumped and not left,
          'liteauthd SIGSEGVed after authenticating devices, with no limit '
          'on its core: the kernel writes no core of it (it does for '
          'another process there)', f'{dumped} {left} {r.stdout[-200:]}')


# 4c. No thread for the checkpoints (liteauthd as a user allowed one
# process): it says so and checkpoints in its loop, serving as before.
def one_process():
    resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))


os.chmod('.', 0o711)
la('device', 'import', 'sim.txt', db='nproc')
subprocess.run(['chown', '-R', 'nobody:nogroup', 'nproc'], check=True)
nport = free_port()
with open('nproc.log', 'w') as f:
    nd = subprocess.Popen([LITEAUTHD, '--db', 'nproc', '--passphrase-file',
                           'pass', '--config', 'liteauthd.conf',
                           '--no-netlink', '--foreground', '--user',
                           'nobody', '--listen', '[::1]:%d' % nport],
                          stderr=f, preexec_fn=one_process)
daemons.append(nd)
t0 = time.monotonic()
while time.monotonic() - t0 < 20 and nd.poll() is None and \
        'serving database' not in open('nproc.log').read():
    time.sleep(0.05)
r = subprocess.run([DEVSIM, 'udp', '--server', '[::1]:%d' % nport,
                    '--master', 'smaster', '--state', 'sim.state', '--count',
                    '20', '--timeout', '10'], capture_output=True, text=True)
nd.terminate()
nd.wait()
nlog = open('nproc.log').read()
figures('liteauthd --user nobody with RLIMIT_NPROC 1: ' +
        ' | '.join(l for l in nlog.splitlines() if 'checkpoint' in l),
        f'devsim: {r.stdout.strip().splitlines()[-1:] or r.stderr[-100:]}')
check('checkpoints run in the loop instead' in nlog and nd.returncode == 0
      and r.returncode == 0 and r.stdout.startswith('20 authenticated'),
      'liteauthd that cannot start its checkpoint thread says so, '
      'checkpoints in its loop, and serves', nlog[-300:])
subprocess.run(['rm', '-rf', 'nproc'])


# 5. Every file of the store, read whole, searched for each key and the
# passphrase.
def search(paths, keyset):
    """Hits of the keys (16 bytes, or 32 hex digits either case) and of the
    passphrase in the files @paths: (binary, hex, passphrase, bytes read)."""
    tail = {}
    for k in keyset:
        for i in range(8):
            tail[int.from_bytes(k[i:i + 8], sys.byteorder)] = None
    hexes = {k.hex() for k in keyset}
    hexrun = re.compile(rb'[0-9a-fA-F]{32,}')
    binary = hexhits = pw = size = 0
    for path in paths:
        with open(path, 'rb') as f:
            data = f.read()
        size += len(data)
        pw += data.count(PASSPHRASE.encode())
        # A key anywhere holds a whole aligned 8-byte word of it.
        words = array('Q', data[:len(data) // 8 * 8])
        if not tail.keys().isdisjoint(words):
            for j, w in enumerate(words):
                if w in tail:
                    binary += sum(data[8 * j - i:8 * j - i + 16] in keyset
                                  for i in range(8) if 8 * j - i >= 0)
        for run in hexrun.finditer(data):
            s = run.group().decode().lower()
            hexhits += sum(s[i:i + 32] in hexes
                           for i in range(len(s) - 31))
    return binary, hexhits, pw, size


t_check = time.monotonic()
keyset = {bytes.fromhex(k) for k in all_keys.values()}
files = sorted(os.path.join(p, f) for p, _, fs in os.walk('db') for f in fs)
regular = [f for f in files if os.path.isfile(f) and not os.path.islink(f)]
t0 = time.monotonic()
found = search(regular, keyset)
scan = time.monotonic() - t0
# The search itself, on what must be found: the import file (hex), and
# every key at odd offsets in one blob, with the passphrase.
with open('blob', 'wb') as f:
    f.write(b''.join(b'\x01' * (i % 7) + k for i, k in enumerate(keyset)) +
            PASSPHRASE.encode())
control = search(['import.txt', 'blob'], keyset)
figures(f'{len(regular)} files ({found[3] / 1e6:.1f} MB) under the store: ' +
        ', '.join(f'{os.path.relpath(f, "db")} {os.path.getsize(f)}'
                  for f in regular),
        f'not files (not read): {[f for f in files if f not in regular]}',
        f'searched in {scan:.1f} s for {len(keyset)} keys and the passphrase:'
        f' {found[0]} binary hits, {found[1]} hex hits, {found[2]} of the '
        'passphrase',
        f'the same search of the first import file and of a blob of every '
        f'key and the passphrase: {control[1]} hex, {control[0]} binary, '
        f'{control[2]} passphrase hits; the check took {took(t_check)}')
check(found[:3] == (0, 0, 0) and not region_files() and
      control[:3] == (len(keyset), N, 1),
      f'after the kills, no key of the {len(keyset)} devices (16 bytes or hex)'
      f' and no passphrase in any of the {len(regular)} files under the store'
      f' ({found[3] / 1e6:.1f} MB): 0 hits; no __db.* files')

figures(f'fault.py ran in {time.monotonic() - T_START:.0f} s')
subprocess.run(['rm', '-rf', tmp])
sys.exit(1 if ktap.failures else 0)
