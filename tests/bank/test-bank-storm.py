#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A reconnect storm against rspro-bank: one client (8:0, no mapping)
connects, sends connectClientReq, gets cardNotPresent and closes, 1,000
times as fast as it can (upstream's client does this in a tight loop);
another client (7:0, mapped) keeps sending TPDUs meanwhile and every one is
answered. The bank's log gains at most a few lines for the storm, then one
"repeated N times" summary per kind; /metrics counts what was held back.

usage: test-bank-storm.py CARDROUTED PLUGIN_DIRS VCARD_PROFILE"""
import os
import re
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from rsprotest import (TPDU_CARD_TO_MODEM, Peer, choice_of, connect_client_req,  # noqa: E402
                       result_of, tpdu_modem_to_card)
from srvtest import BANK_LISTENS, Daemon, bank_ini, check, finish  # noqa: E402

cardrouted, plugin_dirs, profile = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="cr-bank-storm-")
STORM = 1000
CONNECT_CLIENT_RES = 0xa3
CARD_NOT_PRESENT = 100  # ResultCode cardNotPresent


bank = Daemon(cardrouted, plugin_dirs, tmp, "bank",
              bank_ini(profile, slots=2, extra="mappings = 7:0=0\nmax-clients = 64\n"))
storm = {"done": 0, "cnp": 0, "errors": []}


def storm_client(port):
    for _ in range(STORM):
        try:
            p = Peer(port)
            p.send(connect_client_req(8, 0))
            f = p.recv_rspro()
            if choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == CARD_NOT_PRESENT:
                storm["cnp"] += 1
            p.close()
            storm["done"] += 1
        except Exception as e:  # noqa: BLE001 (reported below)
            storm["errors"].append(repr(e))
            if len(storm["errors"]) > 5:
                return


try:
    check(bank.wait_ready(), "the bank runs")
    port = bank.logged_port(BANK_LISTENS)
    check(port is not None, "the bank listens")
    good = Peer(port)
    good.send(connect_client_req(7, 0))
    f = good.recv_rspro()
    check(choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == 0, "client 7:0 is accepted")
    # setAtrReq follows; answered or not, TPDUs work
    good.recv_rspro()
    before = len(bank.output().splitlines())
    t = threading.Thread(target=storm_client, args=(port,))
    t0 = time.monotonic()
    t.start()
    answered = sent = 0
    while t.is_alive() or sent == 0:
        good.send(tpdu_modem_to_card(bytes.fromhex("00A40004023F00")))
        sent += 1
        f = good.recv_rspro()
        if choice_of(f) == TPDU_CARD_TO_MODEM:
            answered += 1
    t.join()
    secs = time.monotonic() - t0
    print(f"storm: {storm['done']} connections in {secs:.2f} s "
          f"({storm['done'] / secs:.0f}/s); client 7:0 meanwhile: {answered}/{sent} TPDUs")
    check(storm["done"] == STORM and not storm["errors"],
          f"{STORM} storm connections, no error ({storm['errors'][:3]})")
    check(storm["cnp"] == STORM, "every storm connection got cardNotPresent")
    check(answered == sent and sent > 0, f"client 7:0's transactions all answered ({answered}/{sent})")
    lines = bank.output().splitlines()[before:]
    storm_lines = [l for l in lines if "8:0" in l]
    print("storm lines in the log:\n  " + "\n  ".join(storm_lines))
    check(len(storm_lines) <= 6, f"the log gained at most a few lines ({len(storm_lines)})")
    check(bank.wait_log("repeated", 25), "a 'repeated N times' summary follows")
    st, _, text = bank.request("GET", "/metrics")
    m = re.search(r'cardroute_log_suppressed_total\{source="rspro-bank"\} (\d+)', text)
    check(st == 200 and m is not None and int(m.group(1)) >= 2 * (STORM - 1),
          f"/metrics counts the held-back lines ({m.group(0) if m else text[:200]})")
    good.send(tpdu_modem_to_card(bytes.fromhex("00A40004023F00")))
    check(choice_of(good.recv_rspro()) == TPDU_CARD_TO_MODEM, "client 7:0 still works")
    good.close()
finally:
    bank.stop()
finish()
