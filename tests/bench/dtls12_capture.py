#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dtls12_capture: the size of a DTLS 1.2 PSK handshake on the wire, as
OpenSSL's own command line tools do it, to cross-check tests/bench/dtls12.

    dtls12_capture.py [--port PORT] [--timeout S] [--openssl PATH]
                      [--stock] [--trace]

Run as root (it needs CAP_NET_RAW). It starts

    openssl s_server -dtls1_2 -psk HEX -psk_identity ID -nocert
            -cipher PSK-AES128-CCM8 -accept 127.0.0.1:PORT -naccept 1
            -no_ticket -no_cache
    openssl s_client -dtls1_2 -psk HEX -psk_identity ID
            -cipher PSK-AES128-CCM8 -connect 127.0.0.1:PORT -no_ticket

with the same 16-byte PSK and identity as dtls12, and the same settings:
no session tickets and no server session cache (which also makes the
server send an empty session ID, as dtls12's does). --stock leaves out
-no_ticket and -no_cache, to see what OpenSSL's defaults add (a
NewSessionTicket, a 32-byte session ID). It prints one line of JSON:

    {"cookie": {"bytes": B, "datagrams": D, "flights": F,
                "s_client_bytes": S}}

Method. Before the server starts, an AF_PACKET raw socket (ETH_P_ALL) is
bound to "lo". On loopback every packet passes it twice, once as it is
sent (pkttype PACKET_OUTGOING) and once as it is received (PACKET_HOST);
only the received copy is kept (tests/bench/capture.py). Of those, the UDP datagrams from
or to PORT (IPv4 or IPv6) are the conversation; each UDP payload is
split into DTLS records (13-byte header: type, version, epoch, sequence
number, length). The handshake is the datagrams from the client's first
ClientHello up to and including the one that carries the server's
Finished: the first handshake record in epoch 1 that the server sends
after the client's own epoch-1 handshake record (its Finished, which
comes first). In that window, "bytes" adds up the ChangeCipherSpec and
handshake records, 13-byte headers included (which is the whole UDP
payload: no alert or application data is in those datagrams in
practice; a datagram holding only alerts or application data would not
count at all); "datagrams" counts the datagrams with any such record;
"flights" counts the changes of direction among them. IP and UDP
headers are not counted. A handshake message seen twice (a
retransmission) makes the capture be tried again, up to three times.

The handshake must complete: s_client must report "Cipher is
PSK-AES128-CCM8" and "Protocol  : DTLSv1.2" (then its standard input is
closed, so it sends close_notify and exits, and s_server exits after its
one connection), and the capture must hold both Finished messages.
"s_client_bytes" is s_client's own count ("SSL handshake has read R
bytes and written W bytes", R + W), which should equal "bytes".

Cookies: openssl s_server always sets SSL_OP_COOKIE_EXCHANGE on a DTLS
connection over UDP (apps/s_server.c, only SCTP is spared, and this
build has no SCTP). No option turns it off; -listen only moves the
exchange into DTLSv1_listen() before the connection exists, with the
same messages on the wire. So only the "cookie" variant is measured;
the reason, and what the capture implies for a handshake without the
exchange (its bytes less the HelloVerifyRequest's and the second
ClientHello's datagrams, 2 datagrams and 2 flights fewer: derived, not
measured), go to stderr. Exit status: 0 on success, 1 if the handshake
did not complete or could not be captured, 2 on bad usage.
"""

import argparse
import json
import os
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import UdpCapture  # noqa: E402

PSK_HEX = "000102030405060708090a0b0c0d0e0f"
IDENTITY = "liteauth-dev-001"
CIPHER = "PSK-AES128-CCM8"


CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA = 20, 21, 22, 23
HS_NAMES = {1: "ClientHello", 2: "ServerHello", 3: "HelloVerifyRequest",
            4: "NewSessionTicket", 12: "ServerKeyExchange",
            14: "ServerHelloDone", 16: "ClientKeyExchange"}


class Failure(Exception):
    pass


def log(msg):
    print("dtls12_capture: " + msg, file=sys.stderr, flush=True)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class Child:
    """A child process whose output is read line by line by a thread."""

    def __init__(self, name, argv):
        self.name = name
        self.lines = queue.Queue()
        self.text = []
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.text.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pred, deadline, what):
        """Wait for an output line that satisfies pred."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("%s timed out before %s; its output:\n%s" %
                              (self.name, what, self.output()))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise Failure("%s exited (status %s) before %s:\n%s" %
                              (self.name, self.proc.wait(),
                               what, self.output()))
            if pred(line):
                return line

    def close_stdin(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def wait_exit(self, deadline):
        try:
            return self.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.close_stdin()

    def output(self):
        return "\n".join("    " + line for line in self.text)


def records(payload):
    """Yield (type, epoch, record bytes, handshake header or None)."""
    off = 0
    while off + 13 <= len(payload):
        ctype = payload[off]
        epoch = struct.unpack("!H", payload[off + 3:off + 5])[0]
        rlen = struct.unpack("!H", payload[off + 11:off + 13])[0]
        body = payload[off + 13:off + 13 + rlen]
        hs = None
        if ctype == CT_HANDSHAKE and epoch == 0 and len(body) >= 12:
            # msg_type, length(3), message_seq(2), fragment_offset(3), ...
            hs = (body[0], struct.unpack("!H", body[4:6])[0],
                  int.from_bytes(body[6:9], "big"))
        yield ctype, epoch, 13 + rlen, hs
        off += 13 + rlen
    if off != len(payload):
        raise Failure("a datagram does not end on a DTLS record boundary")


def record_name(ctype, epoch, hs):
    if ctype == CT_CCS:
        return "ChangeCipherSpec"
    if ctype == CT_ALERT:
        return "alert"
    if ctype == CT_APPDATA:
        return "application data"
    if ctype == CT_HANDSHAKE and hs:
        return HS_NAMES.get(hs[0], "handshake %d" % hs[0])
    if ctype == CT_HANDSHAKE and epoch:
        return "Finished (encrypted)"
    return "type %d" % ctype


def analyse(datagrams, trace):
    """The handshake's bytes, datagrams and flights from the capture."""
    start = None
    for i, (to_server, payload) in enumerate(datagrams):
        if to_server and any(hs and hs[0] == 1
                             for _, _, _, hs in records(payload)):
            start = i
            break
    if start is None:
        raise Failure("no ClientHello captured")

    total = count = flights = 0
    last_dir = None
    kept = []                   # (counted bytes, first handshake type)
    seen = set()
    retransmitted = False
    client_finished = server_finished = False
    for to_server, payload in datagrams[start:]:
        counted = 0
        names = []
        for ctype, epoch, size, hs in records(payload):
            names.append("%s %d" % (record_name(ctype, epoch, hs), size))
            if ctype not in (CT_CCS, CT_HANDSHAKE):
                continue
            counted += size
            if hs:
                key = (to_server, hs)
                retransmitted |= key in seen
                seen.add(key)
            if ctype == CT_HANDSHAKE and epoch:
                if to_server:
                    client_finished = True
                elif client_finished:
                    server_finished = True
        if not counted:
            continue
        if trace:
            log("%s %d bytes: %s" %
                ("client->server" if to_server else "server->client",
                 len(payload), ", ".join(names)))
        first = next((hs[0] for _, _, _, hs in records(payload) if hs),
                     None)
        kept.append((counted, first))
        total += counted
        count += 1
        if to_server != last_dir:
            flights += 1
        last_dir = to_server
        if server_finished:
            break
    if not server_finished:
        raise Failure("the capture has no %s Finished" %
                      ("server" if client_finished else "client"))
    result = {"bytes": total, "datagrams": count, "flights": flights}
    # Without the cookie exchange, the HelloVerifyRequest and the second
    # ClientHello (the first one plus the cookie) would not be sent.
    derived = None
    if len(kept) > 2 and kept[1][1] == 3 and kept[2][1] == 1:
        derived = {"bytes": total - kept[1][0] - kept[2][0],
                   "datagrams": count - 2, "flights": flights - 2}
    return result, derived, retransmitted


def run_once(args, port):
    srv_argv = [args.openssl, "s_server", "-dtls1_2", "-psk", PSK_HEX,
                "-psk_identity", IDENTITY, "-nocert", "-cipher", CIPHER,
                "-accept", "127.0.0.1:%d" % port, "-naccept", "1"]
    cli_argv = [args.openssl, "s_client", "-dtls1_2", "-psk", PSK_HEX,
                "-psk_identity", IDENTITY, "-cipher", CIPHER,
                "-connect", "127.0.0.1:%d" % port]
    if not args.stock:
        srv_argv += ["-no_ticket", "-no_cache"]
        cli_argv += ["-no_ticket"]

    deadline = time.monotonic() + args.timeout
    cap = UdpCapture(port)
    cap.start()
    children = []
    try:
        server = Child("s_server", srv_argv)
        children.append(server)
        server.wait_for(lambda line: line.startswith("ACCEPT"), deadline,
                        "listening")
        client = Child("s_client", cli_argv)
        children.append(client)
        cipher = client.wait_for(lambda line: "Cipher is" in line,
                                 deadline, "completing the handshake")
        proto = client.wait_for(lambda line: "Protocol  :" in line,
                                deadline, "reporting the protocol")
        if not cipher.endswith("Cipher is " + CIPHER) or \
           proto.split(":")[1].strip() != "DTLSv1.2":
            raise Failure("s_client negotiated something else:\n" +
                          client.output())
        client.wait_for(lambda line: line.startswith("---"), deadline,
                        "ending its session report")
        # EOF on its input makes s_client send close_notify and exit;
        # s_server (-naccept 1) exits after that connection.
        client.close_stdin()
        if client.wait_exit(deadline) is None:
            raise Failure("s_client did not exit")
        if server.wait_exit(deadline) is None:
            log("s_server did not exit by itself; killing it")
        time.sleep(0.1)         # let the last frames reach the socket
    finally:
        for child in children:
            child.kill()
        cap.stop()
    if cap.error:
        raise Failure("capture failed: %s" % cap.error)

    s_client_bytes = None
    for line in client.text:
        if line.startswith("SSL handshake has read"):
            words = line.split()
            s_client_bytes = int(words[4]) + int(words[8])
    result, derived, retransmitted = analyse(
        [(to, payload) for _, to, payload in cap.datagrams], args.trace)
    result["s_client_bytes"] = s_client_bytes
    return result, derived, retransmitted


def main():
    ap = argparse.ArgumentParser(
        description="Capture an openssl s_client/s_server DTLS 1.2 PSK "
        "handshake on lo and measure it.")
    ap.add_argument("--port", type=int, default=0,
                    help="UDP port for s_server (default: a free one)")
    ap.add_argument("--timeout", type=float, default=15.0,
                    help="seconds allowed for one capture (default 15)")
    ap.add_argument("--openssl", default="openssl",
                    help="the openssl binary (default: from PATH)")
    ap.add_argument("--stock", action="store_true",
                    help="keep s_server's session cache and both sides' "
                    "session tickets")
    ap.add_argument("--trace", action="store_true",
                    help="print each counted datagram on stderr")
    args = ap.parse_args()
    if not 0 <= args.port <= 65535 or args.timeout <= 0:
        ap.error("bad --port or --timeout")

    # Make SIGTERM/SIGHUP unwind through the finally blocks that kill
    # the children.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))

    if os.geteuid() != 0:
        log("must run as root (an AF_PACKET socket needs CAP_NET_RAW)")
        return 1
    try:
        for attempt in range(3):
            port = args.port or free_udp_port()
            result, derived, retransmitted = run_once(args, port)
            if not retransmitted:
                break
            log("a handshake message was retransmitted; trying again")
        else:
            raise Failure("retransmissions in every attempt")
    except (Failure, OSError) as e:
        log("handshake not measured: %s" % e)
        return 1

    if result["s_client_bytes"] != result["bytes"]:
        log("warning: s_client counted %s bytes, the capture %d" %
            (result["s_client_bytes"], result["bytes"]))
    log("no \"nocookie\" variant: openssl s_server sets "
        "SSL_OP_COOKIE_EXCHANGE on every DTLS connection over UDP "
        "(apps/s_server.c) and has no option to turn it off; -listen "
        "only moves the same exchange into DTLSv1_listen()")
    if derived:
        log("derived, not measured: without the exchange (no "
            "HelloVerifyRequest, no second ClientHello) this capture "
            "would be %s" % json.dumps(derived))
    print(json.dumps({"cookie": result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
