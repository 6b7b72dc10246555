#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# sessions.py: SIDs unique per gateway, at scale, across crashes of the
# server (`make bench`; `--quick` for `make bench-quick`).
#
# liteauthd over UDP, its store holding DEVICES devices (the keys of
# liteauth-devsim keys, imported with liteauth device import) and GATEWAYS
# gateways (liteauth gateway add). This script is the gateways: it builds
# their GW_HELLOs and GW_CONFIRMs itself, and the devices' HELLOs and
# CONFIRMs inside them, with the primitives of tests/vectors.py (an
# implementation of the protocol of its own, in Python). A gateway holds a
# session from the moment the device's CONFIRM would have verified there:
# when it sends the GW_CONFIRM, or would have, had it not been lost.
#
#   1. every device authenticates once, through its gateway (DEVICES / G
#      each): more than 65,536 live sessions in all;
#   2. in the middle of it liteauthd is killed (SIGKILL) with handshakes
#      in every state: GW_CONFIRMs sent just before the kill, GW_KEYs
#      whose GW_CONFIRM comes after the restart (recorded on the
#      gateway's word), GW_KEYs whose GW_CONFIRM is lost (sessions the
#      server never learns of), GW_HELLOs unanswered; the devices caught
#      in it keep those sessions to the end;
#   3. then two rounds of renewals (a new handshake at the same gateway)
#      and moves (at the next gateway: the session left behind lives on
#      there), with a second kill between them: each gateway hands out
#      more than 65,536 SIDs after the first kill, so its cursor comes
#      back round to the SIDs caught in it.
#
# Checked all along: no GW_KEY ever carries a SID that a live session of
# another device holds at that gateway (what "no SID reissued while live"
# means at the gateway), every handshake completes, every gateway's SIDs
# went round after the first kill, the daemon held SIDs from the store at
# each restart, recorded some on the gateway's word, and logged no SID
# clash. Prints one KTAP line with the figures; writes them as JSON to
# --out. Without the restart's quarantine (server.h, "SIDs"), step 3
# hands out again the SIDs of the sessions caught in the first kill.
#
#   sessions.py           140,000 devices over 4 gateways (about three
#                         minutes on two shared cores)
#   sessions.py --quick   70,000 over 2 (about 90 s): the same checks,
#                         still more than 65,536 live sessions

import argparse
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
B = os.path.join(TOP, 'build')
sys.path.insert(0, os.path.join(TOP, 'tests'))
from vectors import kdf, mac  # noqa: E402
sys.path.insert(0, HERE)
from keystore import KeyStore, run  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESCCM  # noqa: E402

LITEAUTHD = os.path.join(B, 'daemon', 'liteauthd')
DEVSIM = os.path.join(B, 'tools', 'liteauth-devsim')

VS = 0x21               # version 2, suite 1
FIRST = 0x00124b0100000000
GW_FIRST = 0xb827ebfffe010000
T_GW_HELLO, T_GW_KEY, T_GW_CONFIRM, T_GW_REJECT = 0x34, 0x35, 0x36, 0x37
SPACE = 65536

P = argparse.ArgumentParser(description=__doc__.splitlines()[0]
                            if __doc__ else None)
P.add_argument('--quick', action='store_true',
               help='2 gateways and 70,000 devices: the same checks, '
                    'still more than 65,536 live sessions')
P.add_argument('--out', help='write the figures here, as JSON')
P.add_argument('--devices', type=int)
P.add_argument('--gateways', type=int)
P.add_argument('--port', type=int, default=47130)
P.add_argument('--window', type=int, default=128,
               help='handshakes in flight per gateway')
P.add_argument('--keep', action='store_true',
               help='keep the store and the daemon log (their path is '
                    'printed)')
ARGS = P.parse_args()
DEVICES = ARGS.devices or (70000 if ARGS.quick else 140000)
GATEWAYS = ARGS.gateways or (2 if ARGS.quick else 4)
PER_GW = DEVICES // GATEWAYS
MOVES = min(1000, PER_GW // 8)      # per gateway, to the next one
# Renewals per gateway: with PER_GW live, its SIDs go round at least once
# (SPACE - PER_GW free ones), if there are devices enough.
RENEW = min(PER_GW - MOVES, SPACE - PER_GW + 4096)
CRASH = 300                         # handshakes caught in each crash


class Failed(Exception):
    pass


class Store(KeyStore):
    """A fresh key store with the devices and the gateways."""

    def __init__(self):
        super().__init__('liteauth-sessions-')
        self.log = os.path.join(self.dir, 'liteauthd.log')
        self.conf = os.path.join(self.dir, 'liteauthd.conf')
        # No budget gets in the way: this measures SIDs, not rate limits.
        with open(self.conf, 'w') as fh:
            fh.write('rate-device = 0\nrate-global = 0\nrate-unknown = 0\n'
                     'rate-gateway = 0\n')

    def tool(self, *args, **kw):
        r = super().tool(*args, **kw)
        if r.returncode:
            raise Failed(f'liteauth {" ".join(args[:2])}: {r.stderr}')
        return r

    def provision(self):
        keys = run(DEVSIM, 'keys', '--master', self.master, '--count',
                   str(DEVICES), '--first', '%016x' % FIRST).stdout
        t0 = time.monotonic()
        self.tool('device', 'import', input=keys)
        secs = time.monotonic() - t0
        kd = []
        for line in keys.splitlines():
            ident, key = line.split()[:2]
            kd.append((bytes.fromhex(ident), bytes.fromhex(key)))
        if len(kd) != DEVICES:
            raise Failed(f'liteauth-devsim keys gave {len(kd)} devices')
        gws = []
        for g in range(GATEWAYS):
            idg = struct.pack('>Q', GW_FIRST + g)
            kg = os.urandom(16)
            path = os.path.join(self.dir, f'gw{g}.key')
            old = os.umask(0o077)
            with open(path, 'w') as fh:
                fh.write(kg.hex() + '\n')
            os.umask(old)
            self.tool('gateway', 'add', idg.hex(), '--key-file', path)
            gws.append((idg, kg))
        return kd, gws, secs

    def close(self):
        if ARGS.keep:
            print(f'# kept {self.dir}')
        else:
            super().close()


class Daemon:
    """liteauthd on one CPU, its log in a file, killed or stopped."""

    def __init__(self, st):
        self.st = st
        self.proc = None
        self.starts = []        # (seconds to serve, walk ms, SIDs held)
        self.counters = {}

    def start(self):
        log = open(self.st.log, 'a')
        mark = log.tell()
        cmd = [LITEAUTHD, '--db', self.st.db, '--passphrase-file',
               self.st.passfile, '--listen', f'127.0.0.1:{ARGS.port}',
               '--no-netlink', '--config', self.st.conf, '--foreground']
        if os.cpu_count() and os.cpu_count() > 1:
            cmd = ['taskset', '-c', '0'] + cmd
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stderr=log)
        log.close()
        walk = held = None
        while time.monotonic() - t0 < 300:
            with open(self.st.log) as fh:
                fh.seek(mark)
                text = fh.read()
            for line in text.splitlines():
                # "liteauthd[PID]: TIME N live SIDs ... in M ms"
                m = re.search(r'(\d+) live SIDs .*held from the key '
                              r'store, in (\d+) ms', line)
                if m:
                    held, walk = int(m.group(1)), int(m.group(2))
            if 'serving database' in text:
                self.starts.append((time.monotonic() - t0, walk, held))
                return
            if self.proc.poll() is not None:
                raise Failed(f'liteauthd exited: {text[-500:]}')
            time.sleep(0.01)
        raise Failed('liteauthd did not start in 300 s')

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        """SIGTERM; the counters it logs as it stops."""
        with open(self.st.log) as fh:
            mark = len(fh.read())
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)
        with open(self.st.log) as fh:
            text = fh.read()[mark:]
        for line in text.splitlines():
            # "liteauthd[PID]: TIME name: value"
            msg = re.sub(r'^\d{4}-\d\d-\d\dT\S+ ', '',
                         line.split(': ', 1)[-1])
            name, _, value = msg.rpartition(': ')
            if value.isdigit() and ' ' not in name:
                self.counters[name] = int(value)


class Gateway:
    def __init__(self, index, idg, kg):
        self.index = index
        self.idg = idg
        self.kg = kg
        self.kg_hello = kdf(kg, 'LA1 gw hello', idg)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.connect(('127.0.0.1', ARGS.port))
        self.sock.setblocking(False)
        self.owner = {}         # SID -> device holding a session here
        self.last = None        # the last SID handed out here
        self.laps = 0           # times the SIDs handed out went round
        self.issued = 0
        self.issued_at_crash = None

    def send(self, m):
        """To the server, dead or alive: a datagram lost is resent."""
        try:
            self.sock.send(m)
        except ConnectionRefusedError:
            pass


class Fleet:
    """The devices, their gateways' sessions, and the handshakes."""

    def __init__(self, kd, gws):
        self.kd = kd
        self.gw = [Gateway(i, *g) for i, g in enumerate(gws)]
        self.ctr = [0] * len(kd)
        self.k_hello = [None] * len(kd)
        self.home = [i % len(gws) for i in range(len(kd))]
        # Device -> {gateway: SID} of the sessions it holds there.
        self.held = [dict() for _ in kd]
        self.reissued = []      # (gateway, SID, holder, device)
        self.handshakes = 0
        self.rejects = {}
        self.resends = 0
        self.seconds = 0.0

    def hello(self, d, g):
        """A new handshake of device @d through gateway @g."""
        idd, key = self.kd[d]
        if self.k_hello[d] is None:
            self.k_hello[d] = kdf(key, 'LA1 hello', idd)
        self.ctr[d] += 1
        rd, rg, ctx = os.urandom(8), os.urandom(8), os.urandom(20)
        h = bytes([0x31, VS]) + idd + struct.pack('>I', self.ctr[d]) + rd
        h += mac(self.k_hello[d], h)
        gw = self.gw[g]
        m = bytes([T_GW_HELLO, VS]) + gw.idg + rg + ctx + bytes([30]) + h
        m += mac(gw.kg_hello, m)
        return {'d': d, 'g': g, 'rd': rd, 'rg': rg, 'msg': m, 'sent': 0.0,
                'tries': 0}

    def gw_key(self, hs, r):
        """Opens GW_KEY @r of handshake @hs: (SID, GW_CONFIRM)."""
        gw, (idd, _) = self.gw[hs['g']], self.kd[hs['d']]
        rs = r[10:18]
        echo = r[18:58]
        if echo[:8] != hs['rg'] or r[58] != 46:
            raise Failed('a GW_KEY that does not answer its GW_HELLO')
        kg_key = kdf(gw.kg, 'LA1 gw key', gw.idg + hs['rg'] + rs)
        p5 = AESCCM(kg_key, tag_length=8).decrypt(
            bytes([T_GW_KEY]) + gw.idg + bytes(4), r[105:], r[:105])
        if p5[:8] != idd:
            raise Failed('a GW_KEY sealed for another device')
        sk, sid = p5[8:24], struct.unpack('>H', p5[24:26])[0]
        k_conf = kdf(sk, 'LA1 confirm', idd + hs['rd'] + rs)
        c = bytes([0x33, VS]) + idd
        c += mac(k_conf, c + hs['rd'] + rs)
        m = (bytes([T_GW_CONFIRM, VS]) + gw.idg + hs['rg'] + rs +
             struct.pack('>H', sid) + bytes([18]) + c)
        m += mac(kdf(gw.kg, 'LA1 gw confirm', gw.idg + hs['rg'] + rs), m)
        return sid, m

    def handed_out(self, g, d, sid):
        """Gateway @g got SID @sid for device @d in a GW_KEY."""
        gw = self.gw[g]
        holder = gw.owner.get(sid)
        if holder is not None and holder != d:
            self.reissued.append((g, sid, holder, d))
        if gw.last is not None and sid < gw.last and gw.last - sid > 32768:
            gw.laps += 1
        gw.last = sid
        gw.issued += 1

    def established(self, g, d, sid):
        """Device @d's CONFIRM verified at gateway @g: its session there
        replaces the one it had there; one it has elsewhere lives on."""
        gw = self.gw[g]
        old = self.held[d].get(g)
        if old is not None and gw.owner.get(old) == d:
            del gw.owner[old]
        gw.owner[sid] = d
        self.held[d][g] = sid

    def run(self, jobs, confirm=True):
        """Handshakes (device, gateway), ARGS.window at once per gateway,
        GW_HELLOs resent after a second. With @confirm, each is confirmed
        (GW_CONFIRM sent) as its GW_KEY comes; else the GW_KEYs are
        returned as (handshake, SID, GW_CONFIRM), for the caller to
        decide."""
        t0 = time.monotonic()
        queue = {g: [] for g in range(len(self.gw))}
        for d, g in jobs:
            queue[g].append(d)
        for q in queue.values():
            q.reverse()
        flight = {g: {} for g in queue}     # device -> handshake
        done = []
        poll = select.poll()
        by_fd = {}
        for gw in self.gw:
            poll.register(gw.sock, select.POLLIN)
            by_fd[gw.sock.fileno()] = gw
        while any(queue.values()) or any(flight.values()):
            now = time.monotonic()
            for g, q in queue.items():
                f = flight[g]
                while q and len(f) < ARGS.window:
                    hs = self.hello(q.pop(), g)
                    f[hs['d']] = hs
                    hs['sent'] = now
                    self.gw[g].send(hs['msg'])
                for hs in f.values():
                    if now - hs['sent'] > 1.0:
                        if hs['tries'] >= 20:
                            raise Failed(f'device {hs["d"]}: no answer')
                        hs['tries'] += 1
                        hs['sent'] = now
                        self.resends += 1
                        self.gw[g].send(hs['msg'])
            for fd, _ in poll.poll(100):
                gw = by_fd[fd]
                while True:
                    try:
                        r = gw.sock.recv(256)
                    except BlockingIOError:
                        break
                    except ConnectionRefusedError:
                        continue
                    self.answer(gw, r, flight[gw.index], confirm, done)
        self.seconds += time.monotonic() - t0
        return done

    def answer(self, gw, r, flight, confirm, done):
        if len(r) == 67 and r[0] == T_GW_REJECT:
            idd = r[50:58]
            hs = next((h for h in flight.values()
                       if self.kd[h['d']][0] == idd), None)
            if hs and r[10:18] == hs['rg']:
                self.rejects[r[58]] = self.rejects.get(r[58], 0) + 1
                raise Failed(f'GW_REJECT {r[58]} for device {hs["d"]}')
            return
        if len(r) != 141 or r[0] != T_GW_KEY:
            raise Failed(f'an answer of {len(r)} bytes, type {r[0]:#x}')
        idd = r[61:69]          # the inner KEY's IDd
        d = int.from_bytes(idd, 'big') - FIRST
        hs = flight.get(d)
        if hs is None or r[18:26] != hs['rg']:
            return              # the answer to a resend, already handled
        del flight[d]
        sid, gc = self.gw_key(hs, r)
        self.handed_out(gw.index, d, sid)
        self.handshakes += 1
        if confirm:
            self.established(gw.index, d, sid)
            gw.send(gc)
        else:
            done.append((hs, sid, gc))

    def crash(self, daemon, jobs):
        """@jobs caught in a crash of @daemon, in every state; then the
        daemon again, and what the gateways do after it."""
        n = len(jobs) // 4
        keys = self.run(jobs[n:], confirm=False)
        third = len(keys) // 3
        # Sent just before the kill: recorded, or not, by the server.
        for hs, sid, gc in keys[:third]:
            self.established(hs['g'], hs['d'], sid)
            self.gw[hs['g']].send(gc)
        # Unanswered at the kill, or answered too late: started over.
        for d, g in jobs[:n]:
            self.gw[g].send(self.hello(d, g)['msg'])
        daemon.kill()
        # The rest: sessions at their gateways all the same.
        for hs, sid, _ in keys[third:]:
            self.established(hs['g'], hs['d'], sid)
        daemon.start()
        # A third reported now, on the gateway's word; the last third's
        # GW_CONFIRMs are lost.
        for hs, sid, gc in keys[third:2 * third]:
            self.gw[hs['g']].send(gc)
        self.run(jobs[:n])
        return len(jobs)


def main():
    t_all = time.monotonic()
    os.sched_setaffinity(0, {1} if (os.cpu_count() or 1) > 1 else {0})
    st = Store()
    daemon = Daemon(st)
    fig = {'devices': DEVICES, 'gateways': GATEWAYS}
    problems = []
    try:
        kd, gws, fig['import_s'] = st.provision()
        fleet = Fleet(kd, gws)
        daemon.start()
        order = list(range(DEVICES))
        half = DEVICES // 2
        # 1 and 2: every device once, a crash in the middle.
        fleet.run([(d, fleet.home[d]) for d in order[:half - CRASH]])
        for gw in fleet.gw:
            gw.issued_at_crash = gw.issued
        caught = fleet.crash(daemon, [(d, fleet.home[d])
                                      for d in order[half - CRASH:half]])
        fig['restored_first'] = daemon.starts[-1][2]
        fleet.run([(d, fleet.home[d]) for d in order[half:]])
        live = sum(len(gw.owner) for gw in fleet.gw)
        fig['live_sessions'] = live
        # 3: renewals and moves, twice round, a second crash between:
        # every gateway's cursor comes back past the first crash's SIDs.
        # Those caught in the first crash keep their sessions to the end,
        # so that their SIDs, if handed out again, are live.
        renew = []
        for g in range(GATEWAYS):
            mine = [d for d in order if fleet.home[d] == g and
                    not half - CRASH <= d < half]
            renew += [(d, g) for d in mine[:RENEW]]
            renew += [(d, (g + 1) % GATEWAYS)
                      for d in mine[RENEW:RENEW + MOVES]]
        renew.sort(key=lambda j: (j[0] % 7, j[0]))     # mixed gateways
        fleet.run(renew)
        again = [(d, g) for d, g in renew]      # where each one is now
        caught += fleet.crash(daemon, again[:CRASH])
        fleet.run(again[CRASH:])
        daemon.stop()
        fig['crash_window_handshakes'] = caught
        fig['handshakes'] = fleet.handshakes
        fig['client_handshakes_per_s'] = round(
            fleet.handshakes / fleet.seconds)
        fig['resends'] = fleet.resends
        fig['reissued_while_live'] = len(fleet.reissued)
        fig['live_sessions_end'] = sum(len(gw.owner) for gw in fleet.gw)
        fig['laps_per_gateway'] = [gw.laps for gw in fleet.gw]
        fig['sids_after_first_crash'] = [gw.issued - gw.issued_at_crash
                                         for gw in fleet.gw]
        fig['restarts'] = [{'serving_s': round(s, 3), 'walk_ms': w,
                            'sids_held': h} for s, w, h in daemon.starts[1:]]
        # Over every run of the daemon, killed ones included: its log.
        with open(st.log) as fh:
            text = fh.read()
        fig['sid_clash'] = text.count('a SID another session holds here')
        fig['confirmed_gateway_word'] = text.count(
            'authenticated on the word of gateway')
        fig['sid_marks_last_run'] = daemon.counters.get('sid-marks', 0)
        for g, sid, holder, d in fleet.reissued[:5]:
            problems.append(f'SID {sid} at gateway {g}, live for device '
                            f'{holder}, handed out to device {d}')
        if live <= 65536:
            problems.append(f'only {live} live sessions')
        if fig['sid_clash']:
            problems.append(f'liteauthd counted {fig["sid_clash"]} clashes')
        if any(n < SPACE for n in fig['sids_after_first_crash']):
            problems.append('a gateway\'s SIDs did not go round since the '
                            f'first crash: {fig["sids_after_first_crash"]}')
        if not fig['confirmed_gateway_word']:
            problems.append('no GW_CONFIRM recorded on the word of its '
                            'gateway after the restart')
        if any(not h or h < half // 2 for _, _, h in daemon.starts[1:]):
            problems.append(f'restarts held too few SIDs: {daemon.starts}')
    except (Failed, OSError, subprocess.SubprocessError) as e:
        problems.append(str(e))
    finally:
        # Whatever went wrong (a bug here too), no liteauthd is left
        # behind holding the port.
        if daemon.proc and daemon.proc.poll() is None:
            daemon.kill()
        st.close()
    fig['seconds'] = round(time.monotonic() - t_all, 1)
    fig['ok'] = not problems
    if ARGS.out:
        with open(ARGS.out, 'w') as fh:
            json.dump(fig, fh, indent=1, sort_keys=True)
            fh.write('\n')
    starts = ', '.join(f'{r["serving_s"]} s (walk {r["walk_ms"]} ms, '
                       f'{r["sids_held"]} SIDs)'
                       for r in fig.get('restarts', []))
    print(f'{"ok" if not problems else "not ok"} - bench: sessions: '
          f'{fig.get("live_sessions", 0)} live over {GATEWAYS} gateways, '
          f'{fig.get("handshakes", 0)} handshakes '
          f'({fig.get("client_handshakes_per_s", 0)}/s), '
          f'{fig.get("crash_window_handshakes", 0)} caught in 2 SIGKILLs, '
          f'restarts serving after {starts or "?"}, laps '
          f'{fig.get("laps_per_gateway", "?")}, '
          f'{fig.get("reissued_while_live", "?")} SIDs reissued while live')
    for p in problems:
        print(f'#   {p}')
    return 0 if not problems else 1


if __name__ == '__main__':
    sys.exit(main())
