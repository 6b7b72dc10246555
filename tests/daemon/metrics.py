#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# metrics.py LITEAUTHD LITEAUTH DEVSIM: liteauthd's metrics file
# (metrics-file, liteauthd(8) METRICS) read by Prometheus' own parser of
# the text format (python3-prometheus-client): a metric for every pair of
# `liteauth status --json`, counters typed counter, with its values; the
# handshakes and a malformed datagram counted; the file replaced whole
# (never seen partial by a reader polling it, a new inode each time),
# mode 0644 under umask 077; a write that fails logged once, counted, and
# the daemon serving on; the final values written at exit; label values
# escaped; no key nor the passphrase in it; node_exporter's textfile
# collector serving it (when prometheus-node-exporter is installed);
# liteauthd(8)'s systemd drop-in, config line and node_exporter directory
# agreeing, and the drop-in one systemd-analyze verify takes.
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

LITEAUTHD, LITEAUTH, DEVSIM = map(os.path.abspath, sys.argv[1:4])
TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
sys.path.insert(0, os.path.join(TOP, 'tests', 'lib'))
import ktap  # noqa: E402
from ktap import check  # noqa: E402

tmp = tempfile.mkdtemp(prefix='metrics.')
os.chdir(tmp)
started = []     # every process started, killed if the script stops early


@atexit.register
def cleanup():
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    os.chdir('/')
    shutil.rmtree(tmp, ignore_errors=True)

PASS = 'metrics suite passphrase ' + os.urandom(8).hex()
with open('pass', 'w') as f:
    f.write(PASS + '\n')
os.chmod('pass', 0o600)
DB = 'st"o\\re'     # a label value to escape: a quote and a backslash
r = subprocess.run([LITEAUTH, 'genkey'], capture_output=True, text=True)
with open('master', 'w') as f:
    f.write(r.stdout)
os.chmod('master', 0o600)
KEYS = subprocess.run([DEVSIM, 'keys', '--master', 'master', '--count', '8'],
                      capture_output=True, text=True).stdout
r = subprocess.run([LITEAUTH, '--db', DB, '--passphrase-file', 'pass',
                    'device', 'import'], input=KEYS, capture_output=True,
                   text=True)
assert r.returncode == 0, r.stderr
SECRETS = [PASS, open('master').read().strip()] + \
    [line.split()[1] for line in KEYS.splitlines()]

MDIR = os.path.join(tmp, 'textfile')
os.mkdir(MDIR)
PROM = os.path.join(MDIR, 'liteauth.prom')


def free_port():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(('::1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(interval):
    """liteauthd under umask 077, its metrics file written every
    @interval s: (process, port, log file name)."""
    port = free_port()
    with open('m.conf', 'w') as f:
        f.write(f'metrics-file = {PROM}\nmetrics-interval = {interval}\n')
    log = f'liteauthd.{interval}.log'
    p = subprocess.Popen([LITEAUTHD, '--db', DB, '--passphrase-file', 'pass',
                          '--no-netlink', '--foreground', '--config',
                          'm.conf', '--listen', f'[::1]:{port}'],
                         stderr=open(log, 'w'),
                         preexec_fn=lambda: os.umask(0o077))
    started.append(p)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10 and 'serving database' not in \
            open(log).read():
        time.sleep(0.05)
    return p, port, log


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def devsim(port, count=8):
    r = subprocess.run([DEVSIM, 'udp', '--server', f'[::1]:{port}',
                        '--master', 'master', '--state', 'devsim.state',
                        '--count', str(count), '--timeout', '10'],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, (r.stdout + r.stderr).strip().splitlines()[-1:]


def malformed(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.sendto(b'\x7fnot a liteauth message', ('::1', port))
    s.close()


def status():
    r = subprocess.run([LITEAUTH, '--db', DB, 'status', '--json'],
                       capture_output=True, text=True, timeout=20)
    return json.loads(r.stdout) if r.returncode == 0 else {}


parse_errors = []


def samples(text):
    """{sample name with its labels: value}, and {family: (type, help)};
    a text the parser refuses is noted in parse_errors."""
    out, fams = {}, {}
    try:
        for fam in text_string_to_metric_families(text):
            fams[fam.name] = (fam.type, fam.documentation)
            for s in fam.samples:
                key = s.name + ''.join(f'{{{k}={v}}}'
                                       for k, v in sorted(s.labels.items()))
                out[key] = s.value
    except ValueError as e:
        parse_errors.append(str(e))
    return out, fams


def metric(name):
    return 'liteauth_server_' + re.sub('[^a-zA-Z0-9_]', '_', name)


def counters(st):
    """The server's counters in liteauth status: after tokens-gateway,
    before store-failed (liteauth(8) gives that order)."""
    names = list(st)
    return names[names.index('tokens-gateway') + 1:
                 names.index('store-failed')]


def wait_write(after):
    """The file, once written after @after (time.time())."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        try:
            if os.stat(PROM).st_mtime > after:
                return open(PROM).read()
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return open(PROM).read() if os.path.exists(PROM) else ''


# A reader polling the file all along: each read whole, parsed.
poll = {'reads': 0, 'bad': [], 'inodes': set(), 'stop': False}


def poller():
    while not poll['stop']:
        try:
            with open(PROM) as f:
                ino = os.fstat(f.fileno()).st_ino
                text = f.read()
        except FileNotFoundError:
            time.sleep(0.002)
            continue
        poll['reads'] += 1
        poll['inodes'].add(ino)
        try:
            ok = text.endswith('\n') and \
                'liteauth_metrics_write_failures_total ' in text and \
                'liteauth_build_info{' in text
            if ok:
                list(text_string_to_metric_families(text))
        except Exception as e:  # noqa: BLE001 (any parser error)
            ok = False
            text += f'\n({e})'
        if not ok and len(poll['bad']) < 3:
            poll['bad'].append(text[-300:])
        time.sleep(0.002)


p, port, log = start(1)
th = threading.Thread(target=poller, daemon=True)
th.start()
text = wait_write(0)
mode = os.stat(PROM).st_mode & 0o777 if text else 0
check(mode == 0o644, 'the metrics file is written at start, mode 0644 under '
      'umask 077', oct(mode))
rc, last = devsim(port)
check(rc == 0 and last and last[0].startswith('8 authenticated, 0 failed'),
      'liteauth-devsim: 8 devices authenticate over UDP', last)
time.sleep(1.5)
before, _ = samples(wait_write(time.time()))
malformed(port)
time.sleep(0.3)
text = wait_write(time.time())
st = status()
got, fams = samples(text)

# Every pair of liteauth status, by its name, its value the same.
names = counters(st)
missing, wrong = [], []
for n in names:
    k = metric(n) + '_total'
    # The parser adds _total to a counter that lacks it: the text has it.
    if k not in got or fams.get(metric(n), ('',))[0] != 'counter' or \
            f'\n# TYPE {k} counter\n{k} ' not in text:
        missing.append(k)
    elif got[k] != st[n]:
        wrong.append(f'{k} {got[k]} != {st[n]}')
check(len(names) >= 20 and not missing and not wrong,
      f'every server counter of liteauth status ({len(names)}) is a counter '
      'liteauth_server_NAME_total, of the same value', missing + wrong)
gauges = [n for n in st if n not in names and isinstance(st[n], int)]
gmissing = [n for n in gauges if not any(k.startswith(metric(n))
                                          for k in got)]
check(len(gauges) >= 20 and not gmissing,
      f'every other number of liteauth status ({len(gauges)}) is in the file',
      gmissing)
stable = ('sessions', 'device-states', 'sids', 'pending', 'pending-max',
          'gateways', 'listen-sockets', 'netlink', 'burst-global')
diff = [f'{n}: {got.get(metric(n))} != {st[n]}' for n in stable
        if got.get(metric(n)) != st[n]]
check(not diff and st.get('sessions') == 8 and
      got.get('liteauth_server_sessions') == 8,
      'gauges: 8 sessions, SIDs, pending handshakes, budgets as liteauth '
      'status shows them', diff)
check(got.get(metric('confirmed') + '_total') == 8 and
      got.get(metric('hello') + '_total') == 8,
      'the handshakes counted: 8 HELLOs, 8 CONFIRMs',
      {k: v for k, v in got.items() if k.endswith('_total')})
tokens = [n for n in st if n.startswith('tokens-')]
check(len(tokens) == 3 and all(metric(n) in got for n in tokens),
      "the budgets' tokens are gauges", tokens)
moved = {n: got.get(metric(n) + '_total', 0) -
         before.get(metric(n) + '_total', 0) for n in names}
moved = {n: v for n, v in moved.items() if v}
check(len(moved) == 1 and list(moved.values()) == [1],
      'a malformed datagram: one counter (drop-malformed) up by 1 in the '
      'next file', moved)
with open(os.path.join(TOP, 'tools', 'lib', 'version.h')) as f:
    release = re.search(r'LITEAUTH_RELEASE\s+"([^"]+)"', f.read()).group(1)
check(got.get('liteauth_build_info{version=' + release + '}') == 1 and
      st.get('version') == release,
      f'liteauth_build_info{{version="{release}"}} 1',
      [k for k in got if 'info' in k])
check(got.get('liteauth_server_store_info{store=' + DB + '}') == 1 and
      'store="st\\"o\\\\re"' in text,
      'a label value with a quote and a backslash is escaped, and reads '
      'back as it was', [k for k in got if 'store' in k])
check(not parse_errors and text.endswith('\n'),
      "prometheus_client's parser of the text format reads the file",
      parse_errors)
undocumented = [n for n, (t, h) in fams.items() if not h or t == 'unknown']
check(not undocumented and len(fams) >= 50 and
      text.count('# HELP ') == text.count('# TYPE ') == len(fams),
      f'every metric ({len(fams)}) has its # HELP and # TYPE line',
      undocumented)

# node_exporter's textfile collector, when installed, serves the file: no
# scrape error, every liteauth sample with its value.
NODE_EXPORTER = shutil.which('prometheus-node-exporter')
if NODE_EXPORTER:
    nport = free_port()
    ne = subprocess.Popen([NODE_EXPORTER, '--collector.disable-defaults',
                           '--collector.textfile',
                           f'--collector.textfile.directory={MDIR}',
                           f'--web.listen-address=127.0.0.1:{nport}'],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(ne)
    served = ''
    for _ in range(100):
        try:
            with urllib.request.urlopen(f'http://127.0.0.1:{nport}/metrics',
                                        timeout=2) as u:
                served = u.read().decode()
            break
        except OSError:
            time.sleep(0.05)
    ne.terminate()
    ne.wait()
    now, _ = samples(open(PROM).read())
    got3, _ = samples(served)
    lost = [k for k in now if k not in got3]
    check('node_textfile_scrape_error 0' in served and not lost and
          got3.get('liteauth_server_sessions') == 8,
          "node_exporter's textfile collector reads the file without an "
          f'error and serves its {len(now)} samples', lost[:10] or
          [ln for ln in served.splitlines() if 'textfile' in ln][:10])
else:
    print("ok - node_exporter's textfile collector reads the file # SKIP "
          'prometheus-node-exporter is not installed', flush=True)

# What liteauthd(8) METRICS gives for systemd and node_exporter holds
# together: the drop-in's directory is the config line's and
# node_exporter's, the sample liteauthd.conf has the same line, and the
# unit with the drop-in is one systemd takes.
man = open(os.path.join(TOP, 'Documentation', 'man', 'liteauthd.8')).read()
man = man[man.index('.SH METRICS'):man.index('.SH SIGNALS')].replace('\\-', '-')
blocks = re.findall(r'^\.EX\n(.*?)^\.EE', man, re.M | re.S)
dropin = next((b for b in blocks if 'RuntimeDirectory=' in b), '')
rundir = '/run/' + (re.findall(r'^RuntimeDirectory=(\S+)$', dropin, re.M) or
                    ['?'])[0]
conf_line = next((ln for b in blocks for ln in b.splitlines()
                  if ln.startswith('metrics-file = ')), '')
sample = open(os.path.join(TOP, 'daemon', 'liteauthd.conf')).read()
check(dropin.startswith('[Service]\n') and
      conf_line == f'metrics-file = {rundir}/liteauth.prom' and
      f'ARGS="--collector.textfile.directory={rundir}"' in man and
      f'# {conf_line}\n' in sample,
      'liteauthd(8) METRICS: the drop-in\'s directory is the metrics-file\'s, '
      "node_exporter's and the sample liteauthd.conf's",
      f'{rundir} {conf_line!r}')
if shutil.which('systemd-analyze'):
    unit = open(os.path.join(TOP, 'daemon', 'liteauthd-direct.service')).read()
    unit = re.sub(r'^ExecStart=\S+', f'ExecStart={LITEAUTHD}', unit,
                  flags=re.M)
    unit = unit.replace('[Service]\n', dropin, 1)
    with open('liteauthd-direct.service', 'w') as f:
        f.write(unit)
    r = subprocess.run(['systemd-analyze', 'verify', '--man=no',
                        'liteauthd-direct.service'], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode == 0 and not (r.stdout + r.stderr).strip() and
          'RuntimeDirectoryMode=0755' in unit,
          'systemd-analyze verify takes liteauthd-direct.service with '
          "liteauthd(8)'s metrics drop-in", r.stdout + r.stderr)

# The daemon on while its file cannot be written: told once, counted.
os.rename(MDIR, MDIR + '.gone')
time.sleep(3.5)
rc, last = devsim(port)
os.rename(MDIR + '.gone', MDIR)
t_back = time.time()
text = wait_write(t_back)
got2, _ = samples(text)
lines = open(log).read()
told = lines.count('cannot write the metrics file')
check(told == 1 and re.search(
          re.escape(f'cannot write the metrics file {PROM}: create '
                    f'{MDIR}/.liteauthd-metrics-') +
          r'\w{6}: No such file or directory', lines),
      'a metrics file that cannot be written (its directory gone for 3 s): '
      'logged once, naming it and why', f'{told} lines\n' + lines[-600:])
check(rc == 0 and last and last[0].startswith('8 authenticated'),
      'liteauthd serves devices while its metrics file cannot be written',
      last)
check(got2.get('liteauth_metrics_write_failures_total', 0) >= 3 and
      lines.count('written again') == 1 and p.poll() is None,
      'the failures counted (liteauth_metrics_write_failures_total), the '
      'file written again once its directory is back, and that told once',
      f"{got2.get('liteauth_metrics_write_failures_total')}")
time.sleep(1.5)
poll['stop'] = True
th.join()
rc = stop(p)
check(not poll['bad'] and poll['reads'] > 200 and len(poll['inodes']) >= 3,
      f"a reader polling the file ({poll['reads']} reads) never saw it "
      f"partial, and saw it replaced ({len(poll['inodes'])} inodes)",
      '\n'.join(poll['bad']))
left = [n for n in os.listdir(MDIR) if n != 'liteauth.prom']
check(rc == 0 and not left,
      'liteauthd stops cleanly and leaves no temporary file',
      f'status {rc}, {left}')

# What others can put in the directory: a FIFO and a file of their own
# at the name a temporary file once had, a symlink at the final name.
# liteauthd neither blocks on them nor writes to them (its temporary file
# is new, O_EXCL, of a name nobody can guess), and the file it renames
# into place is its own.
os.mkfifo(PROM + '.tmp')
with open(os.path.join(MDIR, 'planted'), 'w') as f:
    f.write('planted\n')
os.symlink('planted', os.path.join(MDIR, '.liteauthd-metrics-XXXXXX'))
os.unlink(PROM)
os.symlink('planted', PROM)
p, port, log = start(1)
rc, last = devsim(port, 2)
text = wait_write(time.time())
st_prom = os.lstat(PROM)
check(rc == 0 and 'liteauth_build_info' in text and
      open(os.path.join(MDIR, 'planted')).read() == 'planted\n' and
      not os.path.islink(PROM) and st_prom.st_uid == os.getuid() and
      os.path.exists(PROM + '.tmp'),
      'a FIFO and a file planted beside the metrics file, and a symlink in '
      'its place: liteauthd serves, writes none of them, and replaces the '
      'symlink with a file of its own', f'{rc} {last}')

# SIGHUP applies a new metrics-interval.
with open('m.conf', 'w') as f:
    f.write(f'metrics-file = {PROM}\nmetrics-interval = 3600\n')
p.send_signal(signal.SIGHUP)
time.sleep(1.5)
before = os.stat(PROM).st_mtime
time.sleep(2.5)
quiet = os.stat(PROM).st_mtime == before
with open('m.conf', 'w') as f:
    f.write(f'metrics-file = {PROM}\nmetrics-interval = 1\n')
t_hup = time.time()
p.send_signal(signal.SIGHUP)
wait_write(t_hup)
again = os.stat(PROM).st_mtime > t_hup
rc = stop(p)
check(quiet and again and rc == 0,
      'SIGHUP applies metrics-interval: 3600 s holds the writes back, 1 s '
      'brings them again', f'quiet {quiet} again {again}')
os.unlink(PROM + '.tmp')
for n in ('planted', '.liteauthd-metrics-XXXXXX'):
    os.unlink(os.path.join(MDIR, n))

# The exit writes the final values: with one write an hour, the one at
# exit alone can hold what came after the start.
p, port, log = start(3600)
first, _ = samples(wait_write(0))
devsim(port, 2)
malformed(port)
time.sleep(0.3)
st = status()
rc = stop(p)
last, _ = samples(open(PROM).read())
told = dict(re.findall(r'Z ([a-z-]+): (\d+)$', open(log).read(), re.M))
names = counters(st)
diff = [n for n in names if last.get(metric(n) + '_total') !=
        int(told.get(n, 0))]
check(rc == 0 and not diff and
      last.get(metric('confirmed') + '_total') == 2 and
      first.get(metric('confirmed') + '_total') == 0,
      'at exit the file is written with the final counters, those logged '
      'at exit (metrics-interval = 3600)', diff)
check(st.get('sessions', 0) >= 2 and
      last.get(metric('sessions')) == st.get('sessions') and
      last.get(metric('device_states')) == st.get('device-states'),
      'and with the state it stops with: its live sessions (those restored '
      'from the store and the 2 new), not an emptied server',
      f"{last.get(metric('sessions'))} {st.get('sessions')}")

# No key and not the passphrase, in any form.
raw = open(PROM, 'rb').read()
leaked = [s[:8] for s in SECRETS if s.lower().encode() in raw.lower() or
          (re.fullmatch('[0-9a-fA-F]{32}', s) and bytes.fromhex(s) in raw)]
check(not leaked and len(SECRETS) == 10,
      'no key (the 8 devices\', the master) nor the passphrase in the file, '
      'as hex or as bytes', leaked)

# metrics-interval's bounds.
for v in ('0', '3601', '-1', 'x'):
    with open('bad.conf', 'w') as f:
        f.write(f'metrics-interval = {v}\n')
    r = subprocess.run([LITEAUTHD, '--config', 'bad.conf', '--foreground'],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and
          f"bad.conf:1: bad value '{v}' for metrics-interval" in r.stderr,
          f'metrics-interval = {v}: refused (1 to 3600)', r.stderr)

sys.exit(1 if ktap.failures else 0)
