#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""rspro-server against peers that only need to connect (issue 22):

- log flood: one client sends connectClientReq, then 100,000 PDUs the
  server does not expect and 20,000 it cannot decode: fewer than 20 log
  lines; another client is served afterwards and /metrics counts what was
  held back;
- fd budget: with max-connections = N, N + 10 idle connections: 10 are
  closed at once and counted, identified clients are never the ones closed,
  and a new client is still served.

usage: test-server-hostile.py CARDROUTED PLUGIN_DIRS"""
import os
import sys
import tempfile
import time

from rsprotest import PING, PONG, Peer, choice_of, connect_client_req, result_of, tpdu_modem_to_card
from srvtest import Server, check, finish, instance_details, server_ini, wait_until

cardrouted, plugin_dirs = sys.argv[1:3]
tmp = tempfile.mkdtemp(prefix="cr-srv-hostile-")
CONNECT_CLIENT_RES = 0xa3
daemons = []


def server(name, section_extra=""):
    d = Server(cardrouted, plugin_dirs, tmp, name,
               server_ini(os.path.join(tmp, name + ".json"), section_extra=section_extra))
    daemons.append(d)
    check(d.wait_ready(), f"{name}: the server runs")
    return d


def describe(d):
    return instance_details(d, "remsim")


def hello(p, client_id):
    """connectClientReq; True when answered ok"""
    p.send(connect_client_req(client_id, 0))
    f = p.recv_rspro()
    return choice_of(f) == CONNECT_CLIENT_RES and result_of(f) == 0


def sync(p, limit=60.0):
    """PING, then wait for the PONG: everything sent before was handled"""
    p.send(PING)
    deadline = time.monotonic() + limit
    while True:
        f = p.recv_frame(max(0.01, deadline - time.monotonic()))
        if f == PONG:
            return True


FLOOD = 100000
GARBAGE = 20000


def test_flood():
    d = server("flood")
    port = d.rspro_port
    bad = Peer(port)
    check(hello(bad, 8), "client 8:0 connects")
    before = len(d.output().splitlines())
    tpdu = tpdu_modem_to_card(bytes.fromhex("A0A40000027F20"), 8)
    # an IPA frame of protocol OSMO (0xee), extension RSPRO (0x07): not BER
    junk = bytes.fromhex("0004ee07") + b"\xff\xff\xff"
    t0 = time.monotonic()
    for _ in range(FLOOD // 1000):
        bad.send(tpdu * 1000)
    for _ in range(GARBAGE // 1000):
        bad.send(junk * 1000)
    check(sync(bad), "the server handled the whole flood (PONG after it)")
    secs = time.monotonic() - t0
    print(f"flood: {FLOOD} unexpected + {GARBAGE} undecodable PDUs in {secs:.2f} s")
    good = Peer(port)
    check(hello(good, 9), "client 9:0 is served after the flood")
    st, _, j = d.api("GET", "/clients")
    check(st == 200, "the RSRES API answers")
    lines = d.output().splitlines()[before:]
    print(f"flood: {len(lines)} log lines:\n  " + "\n  ".join(lines[:25]))
    check(len(lines) < 20, f"fewer than 20 log lines ({len(lines)})")
    st, _, text = d.request("GET", "/metrics")
    check(st == 200 and 'cardroute_log_suppressed_total{source="rspro-server"}' in text,
          "/metrics counts the held-back lines")
    bad.close()
    good.close()


def test_fd_budget():
    n = 10
    # the idle connections are to be closed by the budget, not by the
    # identify timeout (10 s) of a slow run
    d = server("budget", f"max-connections = {n}\nidentify-timeout-ms = 3600000")
    port = d.rspro_port
    clients = [Peer(port) for _ in range(2)]
    check(all(hello(p, 20 + i) for i, p in enumerate(clients)), "two clients identified")
    idle = [Peer(port) for _ in range(n + 10 - 2)]
    check(wait_until(lambda: describe(d).get("connections-evicted", -1) == 10, 10),
          f"{n + 10} connections on a budget of {n}: 10 closed, counted")

    def closed(p):
        try:
            p.recv_rspro(0.05)
        except EOFError:
            return True
        except (TimeoutError, OSError):
            pass
        return False

    n_closed = sum(closed(p) for p in idle)
    print(f"budget: {n_closed} of {len(idle)} idle connections closed by the server")
    check(n_closed == 10, "the 10 beyond the budget are closed")
    check(not any(closed(p) for p in clients), "identified clients are kept")
    check(describe(d).get("connections", -1) <= n, "never more than max-connections")
    new = Peer(port)
    check(hello(new, 30), "a new client is still served")
    st, _, text = d.request("GET", "/metrics")
    check(st == 200 and "cardroute_remsim_connections_closed_total" in text,
          "/metrics counts the closed connections")
    for p in clients + idle + [new]:
        p.close()


try:
    for scenario in (test_flood, test_fd_budget):
        try:
            scenario()
        except (EOFError, TimeoutError, OSError, AssertionError) as e:
            check(False, f"{scenario.__name__}: {e!r}")
finally:
    for d in daemons:
        d.stop()
finish()
