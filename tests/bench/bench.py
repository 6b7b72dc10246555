#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# bench.py: every benchmark of Documentation/benchmarks.rst, side by side
# in one run; `make bench` runs it, `make check` runs it with --quick.
# Prints a table and one KTAP line per figure; writes the figures as JSON
# (--out). Every figure comes from something run here: frames captured,
# handshakes completed, sizes read off a build. Timings are medians of
# --runs runs; nothing here asserts a time. What it does assert, whatever
# the machine: the captures agree with each other and with the message
# sizes of uapi/linux/liteauth.h, and the goals (GOALS) hold.
#
#   bytes      the direct handshake (HELLO, KEY, CONFIRM, ACK) captured on
#              loopback (liteauth-devsim and liteauthd over UDP); DTLS 1.2
#              PSK (openssl s_client and s_server) captured the same way
#              (dtls12_capture.py)
#   server     liteauthd pinned to CPU 0 with DEVICES devices in its
#              store, liteauth-devsim on CPU 1 with many devices at once;
#              OpenSSL's DTLS 1.2 PSK handshakes in one process over memory
#              BIOs on CPU 0 (dtls12.c), the peer's ceiling
#   store      DEVICES devices imported into a fresh Berkeley DB store
#   kernel     in UML 6.12 (uml.sh): the KUnit benchmarks of
#              kmod/bench_test.c and a handshake captured on the air by a
#              monitor interface (radio.py); from the frames captured, what
#              one channel carries (line_rate)
#   device     the device library for a Cortex-M0+ (tests/device/m0plus.sh)
#   sessions   SIDs unique per gateway with more than 65,536 live sessions,
#              across two SIGKILLs of liteauthd (sessions.py)

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
B = os.path.join(TOP, 'build')
sys.path.insert(0, HERE)
from capture import DEVICE_TYPES, UdpCapture, handshakes, uapi  # noqa: E402
from keystore import KeyStore  # noqa: E402

P = argparse.ArgumentParser()
P.add_argument('--quick', action='store_true',
               help='small counts, one run: proves every benchmark works')
P.add_argument('--out', default=os.path.join(HERE, 'results.json'))
ARGS = P.parse_args()

if ARGS.quick:
    DEVICES, HANDSHAKES, RUNS, SECONDS = 10000, 2000, 1, 0.5
    KERNEL_MS, SESSIONS, RADIO_DEVICES = 100, 1000, 5
else:
    DEVICES, HANDSHAKES, RUNS, SECONDS = 1000000, 20000, 5, 2.0
    KERNEL_MS, SESSIONS, RADIO_DEVICES = 2000, 10000, 20
CONCURRENCY = 256
FIRST = 0x00124b0000000000
PORT = 47110

LITEAUTH = os.path.join(B, 'tools', 'liteauth')
LITEAUTHD = os.path.join(B, 'daemon', 'liteauthd')
DEVSIM = os.path.join(B, 'tools', 'liteauth-devsim')
DTLS12 = os.path.join(B, 'tests', 'dtls12')

# The goals a run must meet, whatever the machine: no message on the
# radio above 46 bytes (protocol.rst: one frame per message, KEY the
# largest), a direct handshake of at most 0.3 times the bytes of DTLS 1.2
# PSK without its cookie exchange, the device library within 4 KB of
# flash, and no SID handed out while a live session holds it at its
# gateway (sessions.py), all measured in this run.
GOALS = {'largest_radio_payload': 46, 'bytes_ratio_vs_dtls12': 0.3,
         'device_flash_bytes': 4096, 'sid_reissued_while_live': 0}
TYPES, SIZES = uapi()   # {type: name}, {name: bytes}
# Who sends each of the device's messages: the device, or whoever answers
# it (the server, directly; the gateway on the radio).
FROM_DEVICE = {'HELLO': True, 'KEY': False, 'CONFIRM': True, 'ACK': False}
ORDER = ['HELLO', 'KEY', 'CONFIRM', 'ACK']
assert sorted(ORDER) == sorted(DEVICE_TYPES.values()) == sorted(FROM_DEVICE)

R = {}          # the figures
NOTES = {}      # what they came from
failures = 0


def ktap(ok, what, detail=''):
    global failures
    failures += not ok
    print(f'{"ok" if ok else "not ok"} - bench: {what}', flush=True)
    if detail and not ok:
        for line in str(detail).splitlines()[-10:]:
            print(f'#   {line}')


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def median_of(values):
    return statistics.median(values) if values else 0


# liteauth-devsim's closing line (liteauth-devsim(1), OUTPUT).
SUMMARY = re.compile(
    r'(?P<authenticated>\d+) authenticated, (?P<failed>\d+) failed, '
    r'(?P<resends>\d+) resends, (?P<sent>\d+) bytes sent, '
    r'(?P<received>\d+) received, (?P<rate>[0-9.]+) handshakes/s, '
    r'(?P<confirms_resent>\d+) CONFIRMs resent, '
    r'(?P<ack_gave_up>\d+) gave up waiting for ACK(?:,|$)')


def devsim_summary(line):
    """liteauth-devsim's closing line as numbers, or None if it is not
    one."""
    m = SUMMARY.match(line)
    if not m:
        return None
    return {k: float(v) if k == 'rate' else int(v)
            for k, v in m.groupdict().items()}


class Store(KeyStore):
    """A fresh key store in a temporary directory."""

    def __init__(self):
        super().__init__('liteauth-bench-')

    def import_devices(self, count, first=FIRST):
        """Imports devsim's devices; returns (seconds, ok, detail)."""
        keys = run(DEVSIM, 'keys', '--master', self.master, '--count',
                   str(count), '--first', '%016x' % first).stdout
        t0 = time.monotonic()
        r = self.tool('device', 'import', input=keys)
        return time.monotonic() - t0, r.returncode == 0, r.stderr

    def daemon(self, cpu=None, config='/dev/null'):
        """liteauthd, once it serves: it reads every device's record
        first (the SIDs they hold), which takes a while in a large
        store."""
        cmd = [LITEAUTHD, '--db', self.db, '--passphrase-file',
               self.passfile, '--listen', f'127.0.0.1:{PORT}',
               '--no-netlink', '--config', config, '--foreground']
        if cpu is not None:
            cmd = ['taskset', '-c', str(cpu)] + cmd
        log = os.path.join(self.dir, 'liteauthd.log')
        with open(log, 'w') as fh:
            d = subprocess.Popen(cmd, stderr=fh)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120 and d.poll() is None:
            with open(log) as fh:
                if 'serving database' in fh.read():
                    break
            time.sleep(0.01)
        return d

    def snapshot(self):
        """Keeps the store as it is now (no daemon running), for
        restore()."""
        shutil.copytree(self.db, self.db + '.snapshot')

    def restore(self):
        """The store as snapshot() kept it: no session recorded since."""
        shutil.rmtree(self.db)
        shutil.copytree(self.db + '.snapshot', self.db)

    def devsim(self, count, first, concurrency, cpu=None):
        """Runs liteauth-devsim; (exit status, closing line). The devices'
        CTRs are kept in one state file per store, so that the same
        devices, run again against it, stay fresh."""
        cmd = [DEVSIM, 'udp', '--server', f'127.0.0.1:{PORT}', '--master',
               self.master, '--count', str(count), '--first',
               '%016x' % first, '--concurrency', str(concurrency),
               '--timeout', '60', '--state', os.path.join(self.dir, 'ctr')]
        if cpu is not None:
            cmd = ['taskset', '-c', str(cpu)] + cmd
        r = run(*cmd)
        return r.returncode, (r.stdout.strip().splitlines() or [''])[-1]



def bench_store_and_server():
    st = Store()
    try:
        secs, ok, err = st.import_devices(DEVICES)
        # The tables and the log; not the cache's region files (__db.*).
        size = sum(os.path.getsize(os.path.join(st.db, f))
                   for f in os.listdir(st.db)
                   if f.endswith('.db') or f.startswith('log.'))
        ktap(ok, f'{DEVICES} devices imported into a fresh store', err)
        if ok:
            R['db_provision_per_s'] = round(DEVICES / secs)
            R['db_bytes_per_device'] = round(size / DEVICES, 1)
            NOTES['db'] = f'{DEVICES} devices, {secs:.1f} s, {size} bytes'

        # Each run of the server starts from this store, with no session.
        st.snapshot()

        # The direct handshake on the wire: ten devices one at a time.
        d = st.daemon()
        with UdpCapture(PORT) as cap:
            rc, line = st.devsim(10, FIRST, 1)
        hs = handshakes(cap.datagrams, lambda d: d[2])
        whole = [h for h in hs.values() if len(h) == len(DEVICE_TYPES)]
        ok = rc == 0 and len(whole) == 10
        ktap(ok, 'a direct handshake captured on loopback',
             f'{line}; {len(whole)} whole handshakes heard')
        if ok:
            sizes = {sum(len(d[2]) for d in h.values()) for h in whole}
            R['handshake_bytes_direct'] = max(sizes)
            # Every datagram heard, resends too, per handshake.
            R['handshake_messages_direct'] = len(cap.datagrams) / 10
            # A round trip: a message to the server and the answer.
            trips = set()
            wrong = []
            for h in whole:
                seq = sorted(h.values(), key=lambda d: d[0])
                up = [d[1] for d in seq]
                trips.add(sum(a and not b for a, b in zip(up, up[1:])))
                got = [(TYPES[d[2][0]], len(d[2]), d[1]) for d in seq]
                want = [(t, SIZES[t], FROM_DEVICE[t]) for t in ORDER]
                if got != want:
                    wrong.append(got)
            R['handshake_round_trips_direct'] = max(trips)
            ktap(not wrong and len(sizes) == 1,
                 'every direct handshake is HELLO, KEY, CONFIRM, ACK, in '
                 'turn, of the sizes in uapi/linux/liteauth.h',
                 f'{wrong[:2]} {sizes}')
            NOTES['direct'] = (f'{len(cap.datagrams)} datagrams for 10 '
                               f'handshakes: {line}')

        # The server's rate: the daemon on CPU 0, the devices on CPU 1,
        # with no limit on HELLOs in all (by default 10,000 a second) nor
        # on those of devices it holds nothing of (5,000 a second, and
        # right after a start that is every device): policies, not what
        # the server can do (liteauthd.conf(5)).
        d.terminate()
        d.wait()
        conf = os.path.join(st.dir, 'bench.conf')
        with open(conf, 'w') as f:
            f.write('rate-global = 0\nrate-unknown = 0\n')
        # A daemon per run, on the store as imported: live sessions take
        # a SID each, the direct devices have 65,536, and the store keeps
        # them across a restart (the server refuses more, as busy, until
        # some expire), while RUNS * HANDSHAKES is more.
        rates, lines, confirms, gave_up = [], [], [], []
        for i in range(RUNS):
            st.restore()
            d = st.daemon(cpu=0, config=conf)
            first = FIRST + 1000 + i * (DEVICES - 1000) // RUNS
            rc, line = st.devsim(HANDSHAKES, first, CONCURRENCY, cpu=1)
            d.terminate()
            d.wait()
            sm = devsim_summary(line)
            lines.append(line)
            if rc == 0 and sm and sm['authenticated'] == HANDSHAKES and \
                    not sm['failed']:
                rates.append(sm['rate'])
                confirms.append(sm['confirms_resent'])
                gave_up.append(sm['ack_gave_up'])
        ktap(len(rates) == RUNS,
             f'the server authenticates {HANDSHAKES} devices, {RUNS} times',
             '\n'.join(lines))
        if rates:
            R['server_handshakes_per_s'] = round(median_of(rates))
            NOTES['server'] = {'runs': rates, 'last': lines[-1],
                               'confirms_resent': confirms,
                               'gave_up_waiting_for_ack': gave_up}
    finally:
        st.close()


def bench_dtls():
    """The bytes with the cookie exchange from openssl s_client/s_server
    captured on loopback (s_server always asks for a cookie); without it,
    and the rate, from dtls12.c's handshakes over memory BIOs, whose byte
    count with --cookie must match the capture."""
    r = run(sys.executable, os.path.join(HERE, 'dtls12_capture.py'))
    try:
        cap = json.loads(r.stdout.strip().splitlines()[-1])['cookie']
    except (ValueError, IndexError, KeyError):
        cap = {}
    ok = r.returncode == 0 and cap.get('bytes', 0) > 0
    ktap(ok, 'a DTLS 1.2 PSK handshake captured on loopback (openssl)',
         r.stderr)
    if ok:
        R['dtls12_psk_handshake_bytes_cookie'] = cap['bytes']
        R['dtls12_psk_datagrams_cookie'] = cap['datagrams']
        NOTES['dtls12_capture'] = cap

    def dtls12(*args):
        r = run('taskset', '-c', '0', DTLS12, *args)
        try:
            return r.returncode, json.loads(r.stdout), r.stderr
        except ValueError:
            return 1, {}, r.stderr
    rc, out, err = dtls12('--cookie', '--count', '1', '--runs', '1')
    ktap(rc == 0 and out.get('handshake_bytes') == cap.get('bytes') and
         out.get('datagrams') == cap.get('datagrams'),
         'dtls12.c counts the same bytes and datagrams as the capture',
         f'{out} {cap} {err}')
    rc, out, err = dtls12('--seconds', str(SECONDS), '--runs', str(RUNS))
    ok = rc == 0 and out.get('median_handshakes_per_s', 0) > 0
    ktap(ok, 'OpenSSL DTLS 1.2 PSK handshakes over memory BIOs', err)
    if ok:
        R['dtls12_psk_handshakes_per_s'] = round(
            out['median_handshakes_per_s'])
        R['dtls12_psk_handshake_bytes'] = out['handshake_bytes']
        R['dtls12_psk_datagrams'] = out['datagrams']
        NOTES['dtls12_rate'] = out


def airtime(frame_bytes):
    """Seconds a frame of @frame_bytes (MAC header, payload and FCS) takes
    on a 2.4 GHz 802.15.4 channel, O-QPSK at 250 kbit/s: the
    synchronisation header (preamble and SFD, 5 bytes) and the PHY header
    (1) come first."""
    return (6 + frame_bytes) * 8 / 250e3


def ifs(frame_bytes):
    """The interframe space after it: LIFS, 40 symbols of 16 us, after a
    frame above 18 bytes (aMaxSIFSFrameSize); SIFS, 12, otherwise."""
    return (40 if frame_bytes > 18 else 12) * 16e-6


def line_rate(frame_bytes):
    """Frames a second one channel carries back to back: airtime and
    interframe space, with no CSMA backoff and no acknowledgement. The
    most a channel can carry, hence the least the factor below can be,
    and the most frames an attacker who ignores CSMA can send."""
    return 1 / (airtime(frame_bytes) + ifs(frame_bytes))


def bench_kernel():
    r = run(os.path.join(HERE, 'uml.sh'), str(RUNS), str(KERNEL_MS),
            str(SESSIONS), str(RADIO_DEVICES))
    out = r.stdout
    with open(os.path.join(B, 'bench', 'uml.log'), 'w') as f:
        f.write(out + r.stderr)

    def values(name):
        return [int(v) for v in re.findall(rf'# la_bench_\w+: {name}: (\d+)',
                                           out)]
    confirms = values('confirm_verifies_per_s')
    drops = values('garbage_drops_per_s')
    mem = values('bytes_per_session')
    bench_ok = len(re.findall(r'ok \d+ liteauth_bench', out)) == RUNS and \
        not re.search(r'not ok \d+ liteauth_bench', out)
    ktap(bench_ok and len(confirms) == RUNS and len(drops) == RUNS and
         len(mem) == RUNS, f'the in-kernel benchmarks ran {RUNS} times '
         'under UML and their checks passed', out[-2000:])
    ktap('kernel log free of WARN' in out and 'not ok - UML' not in out,
         'the UML kernel log is clean', out[-2000:])
    if confirms:
        R['kernel_confirm_verifies_per_s'] = round(median_of(confirms))
        R['kernel_garbage_drops_per_s'] = round(median_of(drops))
        R['kernel_bytes_per_session'] = round(median_of(mem))
        NOTES['kernel'] = {'confirm': confirms, 'garbage': drops,
                           'bytes_per_session': mem, 'sessions': SESSIONS}
    m = re.search(r'^BENCH-RADIO (\{.*\})$', out, re.M)
    radio = json.loads(m.group(1)) if m else {}
    ktap(bool(radio), f'{RADIO_DEVICES} gateway handshakes captured on a '
         'monitor interface', out[-2000:])
    if not radio:
        return
    by_type = radio['by_type']
    R['handshake_bytes_gateway_radio'] = radio['frame_bytes_per_handshake']
    R['handshake_payload_bytes_gateway_radio'] = \
        radio['payload_bytes_per_handshake']
    R['handshake_messages_radio'] = radio['messages_per_handshake']
    # Over every liteauth frame heard, resends included.
    R['largest_radio_message'] = radio['largest_frame_heard']
    R['largest_radio_payload'] = radio['largest_payload_heard']
    NOTES['radio'] = radio
    # One size per type in every handshake, that of the protocol; on the
    # air only the device's four messages, each from the side that sends it.
    senders = {f'{t} from {"device" if FROM_DEVICE[t] else "gateway"}'
               for t in ORDER}
    ktap(all(by_type[t]['payload'] == [SIZES[t]] and
             len(by_type[t]['frame']) == 1 for t in ORDER) and
         set(radio['frames_heard_by_type']) == senders,
         'the radio carries HELLO and CONFIRM from the device, KEY and ACK '
         'from the gateway, nothing else, of the sizes in '
         'uapi/linux/liteauth.h',
         {'by_type': by_type, 'heard': radio['frames_heard_by_type']})
    confirm = by_type['CONFIRM']['frame'][0]
    R['radio_confirm_frames_per_s'] = round(line_rate(confirm), 1)
    if R.get('kernel_confirm_verifies_per_s'):
        R['kernel_line_rate_factor'] = round(
            R['kernel_confirm_verifies_per_s'] /
            R['radio_confirm_frames_per_s'], 1)
    # What one channel can bring a gateway of HELLOs (kmod/limits.h sets
    # the budget for unknown devices' HELLOs from it).
    hello = by_type['HELLO']['frame'][0]
    R['radio_hello_frames_per_s'] = round(line_rate(hello), 1)
    NOTES['line_rate'] = {
        'hello_frame_bytes': hello,
        'hello_airtime_us': round(airtime(hello) * 1e6),
        'hello_ifs_us': round(ifs(hello) * 1e6),
        'hello_frames_per_s_without_ifs': round(1 / airtime(hello), 1),
        'confirm_frame_bytes': confirm}


def bench_device():
    r = run(os.path.join(TOP, 'tests', 'device', 'm0plus.sh'))
    path = os.path.join(B, 'm0plus', 'sizes.json')
    # Every line ok: the build, and the size as linked within 4 KB.
    ok = r.returncode == 0 and r.stdout.startswith('ok') and \
        'not ok' not in r.stdout and os.path.exists(path)
    ktap(ok, 'the device library sized for a Cortex-M0+', r.stdout + r.stderr)
    if ok:
        with open(path) as f:
            R.update(json.load(f))


def bench_sessions():
    """sessions.py, which checks what it measures and says so in its own
    KTAP line; its figures go to sessions.json beside results.json."""
    out = os.path.join(B, 'bench', 'sessions.json')
    if os.path.exists(out):
        os.unlink(out)
    cmd = ['/usr/bin/python3', os.path.join(HERE, 'sessions.py'),
           '--out', out]
    if ARGS.quick:
        cmd.append('--quick')
    r = run(*cmd)
    try:
        with open(out) as f:
            fig = json.load(f)
    except (OSError, ValueError):
        fig = {}
    lines = r.stdout.strip().splitlines()
    ok = r.returncode == 0 and fig.get('ok') is True
    what = (lines[0].split(' - bench: ', 1)[-1] if lines
            else 'sessions.py printed nothing')
    ktap(ok, what, r.stdout + r.stderr)
    if not fig.get('restarts'):
        return
    R['sessions_live'] = fig['live_sessions']
    R['sessions_gateways'] = fig['gateways']
    R['sid_reissued_while_live'] = fig['reissued_while_live']
    R['sessions_restart_serving_s'] = max(x['serving_s']
                                          for x in fig['restarts'])
    R['sessions_restart_sids_held'] = max(x['sids_held']
                                          for x in fig['restarts'])
    R['sessions_confirmed_gateway_word'] = fig['confirmed_gateway_word']
    NOTES['sessions'] = fig


def main():
    os.makedirs(os.path.join(B, 'bench'), exist_ok=True)
    t0 = time.time()
    bench_device()
    bench_store_and_server()
    bench_dtls()
    bench_kernel()
    bench_sessions()

    def ratio(a, b):
        if R.get(a) and R.get(b):
            return round(R[a] / R[b], 3)
        return None
    R['bytes_ratio_vs_dtls12'] = ratio('handshake_bytes_direct',
                                       'dtls12_psk_handshake_bytes')
    R['bytes_ratio_vs_dtls12_cookie'] = ratio(
        'handshake_bytes_direct', 'dtls12_psk_handshake_bytes_cookie')
    R['server_ratio_vs_dtls12'] = ratio('server_handshakes_per_s',
                                        'dtls12_psk_handshakes_per_s')

    want = ['handshake_bytes_direct', 'handshake_messages_direct',
            'handshake_round_trips_direct', 'handshake_bytes_gateway_radio',
            'handshake_messages_radio', 'largest_radio_message',
            'largest_radio_payload', 'radio_hello_frames_per_s',
            'dtls12_psk_handshake_bytes', 'dtls12_psk_handshake_bytes_cookie',
            'dtls12_psk_datagrams', 'bytes_ratio_vs_dtls12',
            'server_handshakes_per_s', 'dtls12_psk_handshakes_per_s',
            'server_ratio_vs_dtls12', 'kernel_confirm_verifies_per_s',
            'kernel_garbage_drops_per_s', 'kernel_line_rate_factor',
            'kernel_bytes_per_session', 'device_flash_bytes',
            'device_flash_bytes_objects', 'device_ram_bytes',
            'device_flash_bytes_with_aes', 'db_provision_per_s',
            'db_bytes_per_device', 'sessions_live',
            'sid_reissued_while_live', 'sessions_restart_serving_s',
            'sessions_restart_sids_held']
    missing = [k for k in want if not isinstance(R.get(k), (int, float))]
    ktap(not missing, 'every figure was measured', f'missing: {missing}')
    # What the captures must agree on, whatever the machine.
    ktap(R.get('handshake_messages_radio') == len(ORDER) and
         R.get('handshake_payload_bytes_gateway_radio') ==
         R.get('handshake_bytes_direct'),
         'the radio carries the same four messages as the direct case',
         {k: R.get(k) for k in ('handshake_messages_radio',
                                'handshake_payload_bytes_gateway_radio',
                                'handshake_bytes_direct')})
    # The goals, each against what this run measured.
    met = {k: R[k] <= v for k, v in GOALS.items()
           if isinstance(R.get(k), (int, float))}
    R['goals'] = GOALS
    R['goals_met'] = met
    ktap(met.get('largest_radio_payload', False),
         f'no radio payload above {GOALS["largest_radio_payload"]} bytes',
         f'largest: {R.get("largest_radio_payload")}')
    ktap(met.get('bytes_ratio_vs_dtls12', False),
         f'a direct handshake is at most {GOALS["bytes_ratio_vs_dtls12"]} '
         'times the bytes of DTLS 1.2 PSK',
         f'{R.get("handshake_bytes_direct")} / '
         f'{R.get("dtls12_psk_handshake_bytes")} = '
         f'{R.get("bytes_ratio_vs_dtls12")}')
    ktap(met.get('sid_reissued_while_live', False),
         'no SID handed out while a live session holds it at its gateway',
         f'reissued: {R.get("sid_reissued_while_live")}')

    doc = {'quick': ARGS.quick, 'date': time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                                      time.gmtime()),
           'machine': {'cpus': os.cpu_count(), 'model': cpu_model(),
                       'kernel': os.uname().release},
           'seconds': round(time.time() - t0),
           'parameters': {'devices': DEVICES, 'handshakes': HANDSHAKES,
                          'runs': RUNS, 'concurrency': CONCURRENCY,
                          'kernel_ms': KERNEL_MS, 'sessions': SESSIONS},
           'notes': NOTES}
    doc.update(R)
    os.makedirs(os.path.dirname(os.path.abspath(ARGS.out)), exist_ok=True)
    with open(ARGS.out, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write('\n')
    table()
    return 1 if failures else 0


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return 'unknown'


def table():
    rows = [
        ('handshake bytes, direct (UDP payload)', 'handshake_bytes_direct',
         'dtls12_psk_handshake_bytes', 'bytes_ratio_vs_dtls12'),
        ('handshake bytes, DTLS with cookie', 'handshake_bytes_direct',
         'dtls12_psk_handshake_bytes_cookie', 'bytes_ratio_vs_dtls12_cookie'),
        ('direct: datagrams per handshake', 'handshake_messages_direct',
         'dtls12_psk_datagrams', None),
        ('direct: round trips', 'handshake_round_trips_direct', None, None),
        ('radio: bytes per handshake (frames)',
         'handshake_bytes_gateway_radio', None, None),
        ('radio: frames per handshake', 'handshake_messages_radio',
         'dtls12_psk_datagrams', None),
        ('radio: largest frame, payload', 'largest_radio_message',
         'largest_radio_payload', None),
        ('radio: HELLO frames/s, one channel', 'radio_hello_frames_per_s',
         None, None),
        ('server handshakes/s (1 core)', 'server_handshakes_per_s',
         'dtls12_psk_handshakes_per_s', 'server_ratio_vs_dtls12'),
        ('kernel CONFIRM verifies/s', 'kernel_confirm_verifies_per_s',
         'radio_confirm_frames_per_s', 'kernel_line_rate_factor'),
        ('kernel garbage drops/s', 'kernel_garbage_drops_per_s', None, None),
        ('kernel bytes per session', 'kernel_bytes_per_session', None, None),
        ('device flash linked / objects / RAM', 'device_flash_bytes',
         'device_flash_bytes_objects', 'device_ram_bytes'),
        ('device flash with software AES', 'device_flash_bytes_with_aes',
         None, None),
        ('store: devices/s, bytes/device', 'db_provision_per_s',
         'db_bytes_per_device', None),
        ('sessions: live, SIDs reissued live', 'sessions_live',
         'sid_reissued_while_live', None),
        ('restart: s to serve, SIDs held', 'sessions_restart_serving_s',
         'sessions_restart_sids_held', None),
    ]
    print(f'# {"":38} {"liteauth":>12} {"peer":>12} {"ratio":>10}')
    for label, a, b, c in rows:
        cells = [R.get(k) if k else '' for k in (a, b, c)]
        print(f'# {label:38} ' + ' '.join(f'{str(v):>12}' if i < 2 else
                                          f'{str(v):>10}'
                                          for i, v in enumerate(cells)))
    for k, v in GOALS.items():
        verdict = {True: 'met', False: 'NOT MET'}.get(
            R.get('goals_met', {}).get(k), 'not measured')
        print(f'# goal: {k} <= {v}: {R.get(k)}, {verdict}')


sys.exit(main())
