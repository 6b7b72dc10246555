#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The test vectors of Documentation/protocol.rst, computed a second time.

This is an implementation of the wire protocol of its own, in Python on
the `cryptography` package (OpenSSL's AES, CMAC and CCM, reached through
another API), written from the document and not from kmod/proto.c. It
prints one KTAP line: every derived key and message printed in protocol.rst must be
the one computed here, so the document, kmod/test_vectors.c (held to it by
tests/doc-vectors.sh) and proto.c (held to test_vectors.c by the KUnit
suites) are three independent agreements on the same bytes.

    vectors.py            check Documentation/protocol.rst (one KTAP line)
    vectors.py --print    print the vector section's key and message blocks
"""
import re
import struct
import sys
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.ciphers import algorithms

TOP = Path(__file__).resolve().parent.parent
VS = 0x21  # version 2, suite 1

IN = {
    "Kd": "000102030405060708090a0b0c0d0e0f",
    "Kg": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
    "IDd": "00124b0001020304",
    "IDg": "b827ebfffe000001",
    "Rd": "1122334455667788",
    "Rs": "8877665544332211",
    "Rg": "a1a2a3a4a5a6a7a8",
    "SK": "5eed5eed5eed5eed0123456789abcdef",
    "CTX": "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3",
    "CTR": "00000007",
    "SID": "002a",
    "LIFE": "05a0",
}
V = {k: bytes.fromhex(v) for k, v in IN.items()}


def cmac(key, data):
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def mac(key, data):
    return cmac(key, data)[:8]


def kdf(key, label, ctx):
    return cmac(key, b"\x01" + label.encode() + b"\x00" + ctx + b"\x00\x80")


def seal(key, typ, ident, aad, pt):
    nonce = bytes([typ]) + ident + b"\x00" * 4
    return AESCCM(key, tag_length=8).encrypt(nonce, pt, aad)


def compute():
    kd, kg, idd, idg = V["Kd"], V["Kg"], V["IDd"], V["IDg"]
    rd, rs, rg, sk = V["Rd"], V["Rs"], V["Rg"], V["SK"]
    ctx, ctr, sid, life = V["CTX"], V["CTR"], V["SID"], V["LIFE"]
    keys = {
        "K_hello": kdf(kd, "LA1 hello", idd),
        "K_key": kdf(kd, "LA1 key", idd + rd + rs),
        "K_conf": kdf(sk, "LA1 confirm", idd + rd + rs),
        "K_ack": kdf(sk, "LA1 ack", idd + rd + rs),
        "Kg_hello": kdf(kg, "LA1 gw hello", idg),
        "Kg_key": kdf(kg, "LA1 gw key", idg + rg + rs),
        "Kg_conf": kdf(kg, "LA1 gw confirm", idg + rg + rs),
        "Kg_reject": kdf(kg, "LA1 gw reject", idg + rg),
    }
    k = keys
    hello = bytes([0x31, VS]) + idd + ctr + rd
    hello += mac(k["K_hello"], hello)
    key = bytes([0x32, VS]) + idd + rs
    grant = sk + sid + life
    key += seal(k["K_key"], 0x32, idd, key + rd, grant)
    confirm = bytes([0x33, VS]) + idd
    confirm += mac(k["K_conf"], confirm + rd + rs)
    ack = bytes([0x38, VS]) + idd
    ack += mac(k["K_ack"], ack + rd + rs)
    gw_hello = bytes([0x34, VS]) + idg + rg + ctx + bytes([len(hello)]) + hello
    gw_hello += mac(k["Kg_hello"], gw_hello)
    echo = rg + ctr + rd + ctx
    gw_key = bytes([0x35, VS]) + idg + rs + echo + bytes([len(key)]) + key
    gw_key += seal(k["Kg_key"], 0x35, idg, gw_key, idd + grant)
    gw_confirm = (bytes([0x36, VS]) + idg + rg + rs + sid +
                  bytes([len(confirm)]) + confirm)
    gw_confirm += mac(k["Kg_conf"], gw_confirm)
    gw_reject = bytes([0x37, VS]) + idg + echo + idd + bytes([1])
    gw_reject += mac(k["Kg_reject"], gw_reject)
    msgs = {
        "HELLO": hello, "KEY": key, "CONFIRM": confirm, "GW_HELLO": gw_hello,
        "GW_KEY": gw_key, "GW_CONFIRM": gw_confirm, "GW_REJECT": gw_reject,
        "ACK": ack,
    }
    sizes = {"HELLO": 30, "KEY": 46, "CONFIRM": 18, "GW_HELLO": 77,
             "GW_KEY": 141, "GW_CONFIRM": 55, "GW_REJECT": 67, "ACK": 18}
    for n, m in msgs.items():
        assert len(m) == sizes[n], (n, len(m))
    assert struct.unpack(">I", ctr)[0] == 7
    return keys, msgs


def blocks(keys, msgs):
    kb = "\n".join(f"    {n:<9} = {v.hex()}" for n, v in keys.items())
    lines = []
    for n, m in msgs.items():
        h = m.hex()
        parts = [h[i:i + 56] for i in range(0, len(h), 56)]
        lines.append(f"    {n:<10} {parts[0]}")
        lines += [" " * 15 + p for p in parts[1:]]
    return kb, "\n".join(lines)


def doc_values():
    """NAME -> hex of every vector printed in the document's section."""
    text = (TOP / "Documentation/protocol.rst").read_text()
    text = text[text.index("\nTest vectors"):]
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^    ([A-Za-z_]+) +(?:= )?([0-9a-f]+)$", line)
        if m:
            cur = m.group(1)
            out[cur] = m.group(2)
            continue
        m = re.match(r"^ {5,}([0-9a-f]+)$", line)
        if m and cur:
            out[cur] += m.group(1)
            continue
        cur = None
    return out


def main():
    keys, msgs = compute()
    if sys.argv[1:] == ["--print"]:
        kb, mb = blocks(keys, msgs)
        print(kb)
        print()
        print(mb)
        return 0
    doc = doc_values()
    want = {**{k: v.hex() for k, v in keys.items()},
            **{k: v.hex() for k, v in msgs.items()},
            **{k: v for k, v in IN.items()}}
    bad = [name for name, value in want.items() if doc.get(name) != value]
    for name in bad:
        print(f"#   {name}: the document has {doc.get(name)}, the "
              f"specification computes {want[name]}")
    print(f"{'not ok' if bad else 'ok'} - Documentation/protocol.rst: "
          f"{len(want) - len(bad)} of {len(want)} vectors recomputed "
          "independently (Python, cryptography)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
