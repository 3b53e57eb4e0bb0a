#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extended APDUs from a PC/SC application (pyscard) through a private pcscd:

  direct: pyscard -> pcscd -> vpcd "Virtual PCD 00 00" -> frontend-vpcd
          -> core -> backend-vcard (data/vcard/extended.ini)
  loop:   pyscard -> pcscd -> "Virtual PCD 00 01" -> frontend-vpcd -> core
          -> backend-pcsc on "Virtual PCD 00 00" -> pcscd -> vpcd
          -> frontend-vpcd -> core -> backend-vcard

Direct mode also routes "Virtual PCD 00 01" to a backend that carries no
extended APDUs (the test plugin echo, presenting the same T=1 ATR): the ATR
pcscd sees there has the extended-length bit of its card capabilities
cleared (TCK recomputed), and an extended command gets 6700 from the core
with a log line naming that backend.

READ BINARY with Le = 4096 and Le = 0000 (to the end of the 4 KiB EF), UPDATE
BINARY with Lc = 3000, then reads back: the answers byte for byte. The card is
T=1 only, so pcscd negotiates T=1 on both readers; the REST view of the slots
shows what each end carries (backend-pcsc: the protocol it negotiated).

usage: test-vpcd-extended.py CARDROUTED PLUGIN_DIRS PROFILE direct|loop
"""
import json
import os
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

from fixtures.daemon import Daemon  # noqa: E402

CARDROUTED, PLUGIN_DIRS, PROFILE, MODE = sys.argv[1:5]
failures = []

ATR = bytes.fromhex("3B858131FE458073C021C05C")
ATR_SHORT = bytes.fromhex("3B858131FE458073C021801C")
IMAGE = bytearray(b"CARDROUTE 4K" + b"\xff" * (4096 - 12))
PATTERN = bytes((i * 7 + 3) & 0xFF for i in range(3000))


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def ini(d):
    text = ("[router]\nrest = 127.0.0.1:0\ndbus = none\n"
            f"[backend:vcard0]\nplugin = vcard\nprofile = {PROFILE}\n"
            f"[frontend:vpcd0]\nplugin = vpcd\nport = {d.base_port}\nslot = 0\n"
            "[route:r0]\nfrontend = vpcd0\nbackend = vcard0\n")
    if MODE == "direct":
        text += (f"[backend:echo0]\nplugin = echo\natr = {ATR.hex()}\n"
                 f"[frontend:vpcd1]\nplugin = vpcd\nport = {d.base_port}\nslot = 1\n"
                 "[route:r1]\nfrontend = vpcd1\nbackend = echo0\n")
    if MODE == "loop":
        text += (f"[backend:pcsc0]\nplugin = pcsc\nreader = ^{d.reader(0)}$\n"
                 f"[frontend:vpcd1]\nplugin = vpcd\nport = {d.base_port}\nslot = 1\n"
                 "[route:r1]\nfrontend = vpcd1\nbackend = pcsc0\n")
    return text


def rest(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def slot_caps(port, kind, name):
    return rest(port, f"/api/v1/{kind}/{name}").get("caps")


def transmit(conn, hexcmd):
    data, sw1, sw2 = conn.transmit(list(bytes.fromhex(hexcmd)))
    return bytes(data) + bytes([sw1, sw2])


def exercise(reader_name):
    from smartcard.System import readers
    from smartcard.CardConnection import CardConnection

    found = [r for r in readers() if str(r) == reader_name]
    check(len(found) == 1, f"pyscard lists {reader_name}")
    if not found:
        return
    conn = found[0].createConnection()
    conn.connect(CardConnection.T1_protocol)
    check(bytes(conn.getATR()) == ATR, f"{reader_name}: the T=1 card's ATR")
    check(conn.getProtocol() == CardConnection.T1_protocol, f"{reader_name}: T=1 negotiated")

    image = bytearray(IMAGE)
    check(transmit(conn, "00A4000C022F30") == b"\x90\x00", "SELECT 2F30")
    r = transmit(conn, "00B00000001000")
    check(r == bytes(image) + b"\x90\x00",
          f"READ BINARY Le = 4096: {len(r)} bytes, byte-exact")
    r = transmit(conn, "00D60000000BB8" + PATTERN.hex())
    check(r == b"\x90\x00", f"UPDATE BINARY Lc = 3000: {r.hex()}")
    image[0:3000] = PATTERN
    r = transmit(conn, "00B00000000000")
    check(r == bytes(image) + b"\x90\x00",
          f"READ BINARY Le = 0000 (to the end): {len(r)} bytes, byte-exact")
    r = transmit(conn, "00B00BB8000000")
    check(r == bytes(image[3000:]) + b"\x90\x00",
          f"READ BINARY from 3000, Le = 0000: {len(r)} bytes (the 1096 left)")
    # put the image back for the next reader
    r = transmit(conn, "00D60000000BB8" + IMAGE[:3000].hex())
    check(r == b"\x90\x00", "UPDATE BINARY Lc = 3000 back to the original")
    conn.disconnect()


def short_only_path(ctx_reader, cr):
    from smartcard.System import readers
    from smartcard.CardConnection import CardConnection

    found = [r for r in readers() if str(r) == ctx_reader]
    check(len(found) == 1, f"pyscard lists {ctx_reader}")
    if not found:
        return
    conn = found[0].createConnection()
    conn.connect(CardConnection.T1_protocol)
    atr = bytes(conn.getATR())
    check(atr == ATR_SHORT, f"{ctx_reader}: the ATR without the extended-length bit "
          f"({atr.hex()})")
    check(cr.wait_log("vpcd1: the route's backend carries no extended APDUs"),
          "vpcd1 logs why it changed the ATR")
    r = transmit(conn, "00B00000001000")
    check(r == b"\x67\x00", f"an extended READ BINARY towards echo0: {r.hex()}")
    check(cr.wait_log("backend slot echo0 cannot carry extended length fields"),
          "the log line names the backend that limits the route")
    conn.disconnect()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        d = pcscd.Pcscd(tmp)
        with d, Daemon(CARDROUTED, PLUGIN_DIRS, tmp, ini(d)) as cr:
            try:
                port = cr.rest_port()
                check(port is not None, "cardrouted names its REST port")
                last = d.reader(1 if MODE == "loop" else 0)
                from fixtures import pcsc
                with pcsc.Context() as ctx:
                    check(ctx.wait_card(d.reader(0), True) == ATR, "reader 0 has the card")
                    check(ctx.wait_card(d.reader(1), True) is not None, "reader 1 has a card")
                exercise(last)
                if MODE == "direct":
                    short_only_path(ctx_reader=d.reader(1), cr=cr)
                caps = slot_caps(port, "frontends", "vpcd0")
                check(caps is not None and caps.get("extended") is True
                      and caps.get("max_command") == 65535,
                      f"REST: vpcd0 carries extended APDUs up to 65535 bytes: {caps}")
                check(caps is not None and caps.get("protocols") == ["T=1"],
                      f"REST: vpcd0 presents a T=1 card: {caps}")
                if MODE == "loop":
                    caps = slot_caps(port, "backends", "pcsc0")
                    check(caps is not None and caps.get("protocols") == ["T=1"]
                          and caps.get("extended") is True,
                          f"REST: pcsc0 negotiated T=1 and carries extended APDUs: {caps}")
                    details = rest(port, "/api/v1/backends/pcsc0").get("details") or {}
                    check(details.get("slot-protocols") == {"pcsc0": "T=1"},
                          f"describe(): the protocol pcscd negotiated for pcsc0: "
                          f"{details.get('slot-protocols')}")
            finally:
                rc = cr.stop()
                check(rc == 0, f"cardrouted exits 0 (got {rc})")
                if failures:
                    print(cr.log())
                    print(d.log_tail(60))
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
