#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""rspro-bank against peers that only need to connect (issue 22):

- lockout: 40 idle TCP connections plus 40 unmapped clients on a one-slot
  bank; the mapped client 7:0 still gets its card (the time is printed; the
  bound is generous);
- takeover: a connectClientReq for 7:0 from another address while 7:0 holds
  its slot is refused (identityInUse) by default, allowed with
  `takeover = any`; with `never` even the same address is refused; logged
  either way;
- log flood: one peer sends connectClientReq then 100,000 tpduModemToCard:
  fewer than 20 log lines, and 7:0 is served meanwhile;
- fd budget: max-clients + 10 connections: 10 are closed at once and
  counted, and the mapped client is still served.

usage: test-bank-hostile.py CARDROUTED PLUGIN_DIRS VCARD_PROFILE"""
import os
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from rsprotest import (TPDU_CARD_TO_MODEM, Peer, choice_of, connect_client_req,  # noqa: E402
                       result_of, tpdu_modem_to_card)
from srvtest import Daemon, bank_ini, check, finish, instance_details, wait_until  # noqa: E402

cardrouted, plugin_dirs, profile = sys.argv[1:4]
tmp = tempfile.mkdtemp(prefix="cr-bank-hostile-")
CONNECT_CLIENT_RES = 0xa3
SET_ATR_REQ = 0xaa
OK, IDENTITY_IN_USE, CARD_NOT_PRESENT = 0, 6, 100
daemons = []


def bank_daemon(name, extra=""):
    d = Daemon(cardrouted, plugin_dirs, tmp, name,
               bank_ini(profile, extra=f"mappings = 7:0=0\n{extra}\n"))
    daemons.append(d)
    check(d.wait_ready(), f"{name}: the bank runs")
    return d


def describe(d):
    return instance_details(d, "bank")


def peer_from(port, source):
    """a Peer whose connection comes from @source (another loopback address)"""
    p = Peer.__new__(Peer)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    p.sock, p.buf, p.closed, p.pings = s, b"", False, 0
    return p


def attach(p, client_id):
    """connectClientReq; True when answered ok and setAtrReq follows"""
    p.send(connect_client_req(client_id, 0))
    f = p.recv_rspro()
    if choice_of(f) != CONNECT_CLIENT_RES or result_of(f) != OK:
        return False
    f = p.recv_rspro()
    if choice_of(f) != SET_ATR_REQ:
        print("attach: got", f.hex())
    return choice_of(f) == SET_ATR_REQ


def transact(p, client_id=7):
    p.send(tpdu_modem_to_card(bytes.fromhex("A0A40000027F20"), client_id))
    f = p.recv_rspro()
    return choice_of(f) == TPDU_CARD_TO_MODEM and f.endswith(bytes.fromhex("9F16"))


def closed_soon(p, limit=10.0):
    try:
        p.recv_rspro(limit)
        return False
    except EOFError:
        return True
    except (TimeoutError, OSError):
        return False


def test_lockout():
    d = bank_daemon("lockout")
    port = describe(d)["listen-port"]
    idle = [Peer(port) for _ in range(40)]
    unmapped = []
    cnp = 0
    for i in range(40):
        p = Peer(port)
        p.send(connect_client_req(100 + i, 0))
        try:
            f = p.recv_rspro()
            cnp += choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == CARD_NOT_PRESENT
        except (EOFError, TimeoutError):
            pass
        unmapped.append(p)
    print(f"lockout: 40 idle connections, {cnp}/40 unmapped clients answered cardNotPresent")
    t0 = time.monotonic()
    good = Peer(port)
    try:
        served = attach(good, 7) and transact(good)
    except (EOFError, TimeoutError) as e:
        served = False
        print("client 7:0:", repr(e))
    secs = time.monotonic() - t0
    print(f"lockout: client 7:0 {'got its card and an answer' if served else 'failed'} "
          f"in {secs * 1000:.1f} ms")
    check(served, "the mapped client 7:0 is served despite 80 hostile connections")
    check(secs < 5.0, f"... in a bounded time ({secs:.3f} s, 1 s expected)")
    desc = describe(d)
    print("lockout: describe", {k: v for k, v in desc.items() if "client" in k or "evict" in k})
    check(desc.get("clients-mapped", -1) == 1
          and desc.get("clients", -1) <= desc.get("max-clients", -1),
          "one mapped client, the total within max-clients")
    check(desc.get("evicted-unidentified", -1) >= 24 and desc.get("evicted-unmapped", -1) >= 1,
          "the oldest idle and unmapped connections made room (counted)")
    st, _, text = d.request("GET", "/metrics")
    want = ('cardroute_remsim_bank_connections_closed_total{instance="bank",'
            f'reason="evicted-unidentified"}} {desc.get("evicted-unidentified")}')
    check(st == 200 and want in text and
          'cardroute_remsim_bank_connections{instance="bank",class="mapped"} 1' in text,
          "/metrics has the same admission counters")
    for p in idle + unmapped + [good]:
        p.close()
    d.stop()


def test_takeover():
    d = bank_daemon("takeover")
    port = describe(d)["listen-port"]
    a = Peer(port)
    check(attach(a, 7), "7:0 from 127.0.0.1 holds its slot")
    b = peer_from(port, "127.0.0.2")
    b.send(connect_client_req(7, 0))
    f = b.recv_rspro()
    check(choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == IDENTITY_IN_USE,
          "7:0 from 127.0.0.2: identityInUse (takeover = same-address)")
    check(closed_soon(b), "... and closed")
    check(transact(a), "the holder keeps its card")
    check(d.wait_log("takeover refused"), "the refusal is logged")
    check(describe(d).get("takeovers-refused", -1) == 1, "and counted")
    # the same address may take over (a client that reconnects)
    c = Peer(port)
    check(attach(c, 7), "7:0 again from 127.0.0.1 takes over")
    check(closed_soon(a), "... the old connection is closed")
    check(d.wait_log("takes over from"), "the takeover is logged")
    for p in (a, b, c):
        p.close()
    d.stop()

    d = bank_daemon("takeover-any", "takeover = any")
    port = describe(d)["listen-port"]
    a = Peer(port)
    check(attach(a, 7), "takeover = any: 7:0 from 127.0.0.1 holds its slot")
    b = peer_from(port, "127.0.0.2")
    check(attach(b, 7), "7:0 from 127.0.0.2 takes over")
    check(closed_soon(a), "... the old connection is closed")
    check(transact(b), "the new holder is served")
    check(d.wait_log("takes over from 127.0.0.1"), "the takeover is logged")
    for p in (a, b):
        p.close()
    d.stop()

    d = bank_daemon("takeover-never", "takeover = never")
    port = describe(d)["listen-port"]
    a = Peer(port)
    check(attach(a, 7), "takeover = never: 7:0 holds its slot")
    b = Peer(port)
    b.send(connect_client_req(7, 0))
    f = b.recv_rspro()
    check(choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == IDENTITY_IN_USE,
          "7:0 again from the same address: identityInUse")
    check(transact(a), "the holder keeps its card")
    a.close()
    b.close()
    c = Peer(port)
    check(wait_until(lambda: describe(d).get("clients-mapped", -1) == 0, 10),
          "the holder left")
    check(attach(c, 7) and transact(c), "once it is gone, 7:0 gets its slot again")
    c.close()
    d.stop()


FLOOD = 100000


def test_flood():
    d = bank_daemon("flood")
    port = describe(d)["listen-port"]
    good = Peer(port)
    check(attach(good, 7), "7:0 holds its slot")
    bad = Peer(port)
    bad.send(connect_client_req(8, 0))
    f = bad.recv_rspro()
    check(choice_of(f) == CONNECT_CLIENT_RES, "8:0 (no mapping) is answered")
    before = len(d.output().splitlines())
    got = {"answers": 0}

    def drain():
        try:
            while got["answers"] < FLOOD:
                bad.recv_rspro(20)
                got["answers"] += 1
        except (EOFError, TimeoutError, OSError):
            pass

    t = threading.Thread(target=drain)
    t.start()
    frame = tpdu_modem_to_card(bytes.fromhex("A0A40000027F20"), 8)
    batch = frame * 1000
    t0 = time.monotonic()
    served = True
    for i in range(FLOOD // 1000):
        bad.send(batch)
        if i % 10 == 0:
            served &= transact(good)
    t.join(60)
    secs = time.monotonic() - t0
    print(f"flood: {FLOOD} tpduModemToCard in {secs:.2f} s, {got['answers']} answers")
    check(got["answers"] == FLOOD, "every command of the flood was handled (answered 6F00)")
    check(served and transact(good), "7:0 is served during and after the flood")
    lines = d.output().splitlines()[before:]
    print(f"flood: {len(lines)} log lines:\n  " + "\n  ".join(lines[:25]))
    check(len(lines) < 20, f"fewer than 20 log lines ({len(lines)})")
    st, _, text = d.request("GET", "/metrics")
    check(st == 200 and 'cardroute_log_suppressed_total{source="rspro-bank"}' in text,
          "/metrics counts the held-back lines")
    good.close()
    bad.close()
    d.stop()


def test_fd_budget():
    n = 12  # below max-unidentified (slots + 16): the budget is what bites
    d = bank_daemon("budget", f"max-clients = {n}")
    port = describe(d)["listen-port"]
    peers = [Peer(port) for _ in range(n + 10)]
    check(wait_until(lambda: describe(d).get("clients", -1) == n and
                     describe(d).get("evicted-unidentified", -1) == 10, 10),
          f"{n + 10} connections: {n} kept, 10 closed and counted")
    closed = sum(closed_soon(p, 0.05) for p in peers)
    print(f"budget: {closed} of {n + 10} connections closed by the bank")
    check(closed == 10, "the 10 beyond the budget are closed")
    good = Peer(port)
    check(attach(good, 7) and transact(good), "a mapped client is still served")
    check(describe(d).get("clients", -1) <= n,
          "the bank never holds more than max-clients connections")
    for p in peers + [good]:
        p.close()
    d.stop()


try:
    for scenario in (test_lockout, test_takeover, test_flood, test_fd_budget):
        try:
            scenario()
        except (EOFError, TimeoutError, OSError) as e:
            check(False, f"{scenario.__name__}: {e!r}")
finally:
    for d in daemons:
        d.stop()
finish()
