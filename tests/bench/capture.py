# SPDX-License-Identifier: GPL-2.0
#
# capture.py: frames captured with a raw AF_PACKET socket (as root), for
# the benchmarks that count what a handshake puts on the wire: UDP
# datagrams on loopback for the direct liteauth handshake and the DTLS 1.2
# one (tests/bench/bench.py, tests/bench/dtls12_capture.py), 802.15.4
# frames on a monitor interface for the gateway's (tests/bench/radio.py).
#
# On "lo" every packet is seen twice, going out and coming in; only the
# incoming copy is kept, so each datagram counts once.

import os
import re
import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

# The device's side of the protocol (Documentation/protocol.rst): what a
# direct handshake puts on UDP and a gateway's on the radio.
DEVICE_TYPES = {0x31: 'HELLO', 0x32: 'KEY', 0x33: 'CONFIRM', 0x38: 'ACK'}
UAPI = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'uapi', 'linux', 'liteauth.h')


def uapi():
    """From uapi/linux/liteauth.h, every message type, {value: name}, and
    every message's size, {name: bytes}: what the captures are checked
    against."""
    with open(UAPI) as f:
        text = f.read()
    types = {int(v, 16): n for n, v in
             re.findall(r'LITEAUTH_MSG_(\w+) = (0x[0-9a-fA-F]+),', text)}
    sizes = {n: int(v) for n, v in
             re.findall(r'#define LITEAUTH_(\w+)_LEN\s+(\d+)\b', text)}
    return types, {n: sizes[n] for n in types.values() if n in sizes}


def udp_of(frame):
    """(source port, destination port, payload) of an Ethernet-framed UDP
    datagram over IPv4 or IPv6, or None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack('!H', frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800 and len(ip) >= 20 and ip[9] == 17:
        ihl = (ip[0] & 0x0f) * 4
        total = struct.unpack('!H', ip[2:4])[0]
        udp = ip[ihl:total]
    elif ethertype == 0x86dd and len(ip) >= 40 and ip[6] == 17:
        udp = ip[40:40 + struct.unpack('!H', ip[4:6])[0]]
    else:
        return None
    if len(udp) < 8:
        return None
    sport, dport, ulen = struct.unpack('!HHH', udp[:6])
    return sport, dport, udp[8:ulen]


class Capture(threading.Thread):
    """Every frame received on @ifname, in the order heard: what keep()
    makes of it, unless that is None. Use as a context manager, or start()
    and stop()."""

    def __init__(self, ifname):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                  socket.htons(ETH_P_ALL))
        self.sock.bind((ifname, ETH_P_ALL))
        self.sock.settimeout(0.05)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.items = []
        self.error = None   # an OSError that ended the capture early
        self.running = True

    def keep(self, frame):
        return frame

    def run(self):
        try:
            while self.running:
                try:
                    frame, addr = self.sock.recvfrom(65536)
                except socket.timeout:
                    continue
                if addr[2] == PACKET_OUTGOING:
                    continue
                item = self.keep(frame)
                if item is not None:
                    self.items.append(item)
        except OSError as e:
            self.error = e

    def stop(self):
        time.sleep(0.3)     # what is still on its way
        self.running = False
        self.join()
        self.sock.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class UdpCapture(Capture):
    """Datagrams to or from @port on @ifname, as (time, to_port, payload)
    where to_port says whether it went to @port, in the order heard."""

    def __init__(self, port, ifname='lo'):
        super().__init__(ifname)
        self.port = port
        self.datagrams = self.items

    def keep(self, frame):
        udp = udp_of(frame)
        if udp and self.port in udp[:2]:
            return time.monotonic(), udp[1] == self.port, udp[2]
        return None


def handshakes(items, message=lambda item: item):
    """Each device's handshake, resends left out: the first HELLO, KEY,
    CONFIRM and ACK (DEVICE_TYPES) of each IDd among @items, whose liteauth
    message message() gives (None if it has none); each of them carries
    IDd in bytes 2 to 9. {IDd: {type: item}}."""
    hs = {}
    for item in items:
        m = message(item)
        if m is not None and len(m) >= 10 and m[0] in DEVICE_TYPES:
            hs.setdefault(bytes(m[2:10]), {}).setdefault(m[0], item)
    return hs
