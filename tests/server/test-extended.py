#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extended APDUs between cardroute peers over RSPRO: the three roles
(chain.py), the bank in front of the extended-length virtual card
(data/vcard/extended.ini, T=1). The client announces its capabilities in its
connectClientReq identity, the bank answers with its own, and the client's
terminal (its REST APDU shell) reads and writes the 4 KiB EF 2F30 with single
extended commands: READ BINARY Le = 4096 and Le = 0000, UPDATE BINARY
Lc = 3000, byte for byte through RSPRO.

Then an upstream client (a scripted osmo-remsim-client: its identity
announces nothing) takes the same bank slot: the bank's connectClientRes
carries no announcement (nothing changes on the wire towards it), short
commands work as before, and an extended READ BINARY is answered 6700 with a
bank log line naming the end that limits it (the bank slot).

usage: test-extended.py CARDROUTED PLUGIN_DIRS PROFILE"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chain import Chain  # noqa: E402
from rsprotest import (TPDU_CARD_TO_MODEM, Peer, choice_of, connect_client_req, result_of,  # noqa: E402
                       tpdu_modem_to_card)
from srvtest import check, finish, wait_until  # noqa: E402

cardrouted, plugin_dirs, profile = sys.argv[1:4]

IMAGE = bytearray(b"CARDROUTE 4K" + b"\xff" * (4096 - 12))
PATTERN = bytes((i * 7 + 3) & 0xFF for i in range(3000))
CONNECT_CLIENT_RES = 0xa3
SET_ATR_REQ = 0xaa


def apdu(client, hexcmd):
    st, _, body = client.request("POST", "/api/v1/backends/sim/apdu", body={"apdu": hexcmd})
    if st != 200 or not isinstance(body, dict):
        return None
    return bytes.fromhex(body.get("response", ""))


def card_answer(frame):
    """The data of a tpduCardToModem frame: its last OCTET STRING (the answers
    here are short, so its length is one byte)."""
    i = frame.rfind(b"\x04", 0, len(frame) - 1)
    while i >= 0:
        if frame[i + 1] == len(frame) - i - 2:
            return frame[i + 2:]
        i = frame.rfind(b"\x04", 0, i)
    return None


def caps_of(daemon, path):
    st, _, body = daemon.request("GET", path)
    return body.get("caps") if st == 200 and isinstance(body, dict) else None


with tempfile.TemporaryDirectory() as tmp:
    chain = Chain(cardrouted, plugin_dirs, tmp, direct_bank=True, bank_profile=profile)
    try:
        if chain.wait_ready() and chain.map():
            client, bank = chain.client, chain.bank
            check(wait_until(lambda: apdu(client, "00A4000C022F30") == b"\x90\x00", 30),
                  "the client reaches the bank's card (SELECT 2F30)")
            check(client.wait_log("the bank is a cardroute peer"),
                  "the client saw the bank's announcement")
            check(bank.wait_log("is a cardroute peer"), "the bank saw the client's announcement")
            caps = caps_of(client, "/api/v1/backends/sim")
            check(caps is not None and caps.get("extended") is True
                  and caps.get("protocols") == ["T=0", "T=1"],
                  f"the client's backend slot carries extended APDUs and T=1: {caps}")
            caps = caps_of(bank, "/api/v1/frontends/bank.0")
            check(caps is not None and caps.get("extended") is True,
                  f"the bank slot carries extended APDUs for this client: {caps}")

            r = apdu(client, "00B00000001000")
            check(r == bytes(IMAGE) + b"\x90\x00",
                  f"READ BINARY Le = 4096: {len(r) if r else r} bytes, byte-exact")
            r = apdu(client, "00D60000000BB8" + PATTERN.hex())
            check(r == b"\x90\x00", f"UPDATE BINARY Lc = 3000: {r.hex() if r else r}")
            IMAGE[0:3000] = PATTERN
            r = apdu(client, "00B00000000000")
            check(r == bytes(IMAGE) + b"\x90\x00",
                  f"READ BINARY Le = 0000: {len(r) if r else r} bytes, byte-exact")

            # an upstream client takes the slot over
            check(client.stop() == 0, "the cardroute client stops")
            up = Peer(chain.bank_port)
            up.send(connect_client_req(7, 0))
            f = up.recv_rspro()
            check(choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == 0,
                  "the upstream client is accepted")
            # (its swVersion says cardroute-VERSION, as always)
            check(b"cr-caps" not in f and b"\x82\x09cardroute" not in f,
                  f"its connectClientRes carries no capability announcement ({f.hex()})")
            f = up.recv_rspro()
            check(choice_of(f) == SET_ATR_REQ, f"setAtrReq follows ({f.hex()})")
            mark = len(bank.output())
            up.send(tpdu_modem_to_card(bytes.fromhex("00A4000C022F30")))
            f = up.recv_rspro()
            check(choice_of(f) == TPDU_CARD_TO_MODEM and card_answer(f) == b"\x90\x00",
                  "a short command still works (SELECT 2F30: 9000)")
            up.send(tpdu_modem_to_card(bytes.fromhex("00B00000001000")))
            f = up.recv_rspro()
            check(choice_of(f) == TPDU_CARD_TO_MODEM and card_answer(f) == b"\x67\x00",
                  f"an extended READ BINARY ends with 6700 ({f.hex()[-12:]})")
            check(wait_until(lambda: "frontend slot bank.0 cannot carry extended length"
                             in bank.output()[mark:], 10),
                  "the bank logs that its slot (the upstream client's end) limits it")
            up.close()
    finally:
        codes = chain.stop()
        check(all(rc == 0 for rc in codes.values()), f"every role exits 0 ({codes})")
        if not all(rc == 0 for rc in codes.values()):
            for name, d in chain.daemons():
                print(f"--- {name}\n{d.output()[-3000:]}")
finish()
