#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bank's own server link has a keepalive of its own: a server (rspro-server)
and a bank (rspro-bank) whose server link goes through a fault proxy. The
proxy makes the link half-open (silence, no FIN, nothing reaches the bank
whatever the server does); the bank must drop it because no PONG came within
its `keepalive-timeout-ms`, and is back once the server (1 s + 2 s keepalive,
as in the fault matrix) has let the old link go. Without the keys the bank keeps upstream's 30 s + 10 s.
The time it took is a figure, not a verdict.

usage: test-bank-keepalive.py CARDROUTED PLUGIN_DIRS"""
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
from srvtest import Daemon, Server, bank_ini, check, finish, server_ini, wait_until  # noqa: E402
from fixtures.faultproxy import FaultProxy  # noqa: E402

cardrouted, plugin_dirs = sys.argv[1:3]
INTERVAL_MS, TIMEOUT_MS = 500, 1000


def main():
    tmp = tempfile.mkdtemp(prefix="cr-bank-ka-")
    server = Server(cardrouted, plugin_dirs, tmp, "server",
                    server_ini(os.path.join(tmp, "server.json"),
                               section_extra="keepalive-interval-ms = 1000\n"
                                             "keepalive-timeout-ms = 2000\n"))
    bank = proxy = None
    try:
        if not check(server.wait_ready(), "the server runs"):
            return
        proxy = FaultProxy("127.0.0.1", server.rspro_port)
        bank = Daemon(cardrouted, plugin_dirs, tmp, "bank", bank_ini(
            None, server=f"127.0.0.1:{proxy.port}",
            extra=f"keepalive-interval-ms = {INTERVAL_MS}\nkeepalive-timeout-ms = {TIMEOUT_MS}\n"))
        if not check(bank.wait_ready(), "the bank runs"):
            print(bank.output()[-2000:])
            return
        if not check(bank.wait_log("connected as bank 1"), "the bank is connected to the server"):
            return
        accepted = proxy.accepted
        check(proxy.half_open() == 1, "the bank's server link is made half-open")
        t0 = time.monotonic()
        lost = f"link lost (no IPA PONG within {TIMEOUT_MS} ms)"
        noticed = bank.wait_log(lost, 25.0)
        took = time.monotonic() - t0
        check(noticed, f"the bank drops the silent link for want of a PONG ('{lost}')")
        check(wait_until(lambda: proxy.accepted > accepted
                         and bank.output().count("connected as bank 1") >= 2, 25.0),
              "the bank makes the server link again")
        if noticed:
            print(f"figure: half-open server link noticed after {took:.2f} s "
                  f"(keepalive {INTERVAL_MS} ms + {TIMEOUT_MS} ms; load "
                  f"{os.getloadavg()[0]:.2f})", flush=True)
    finally:
        codes = [d.stop() for d in (bank, server) if d is not None]
        if proxy is not None:
            proxy.stop()
        check(all(c == 0 for c in codes), f"both exit cleanly ({codes})")
    finish()


if __name__ == "__main__":
    main()
