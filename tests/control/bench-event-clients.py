#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark (prints figures, never fails on them): the CPU cardrouted spends
per transaction while N event-stream clients that never read are connected,
and its RSS before, during and after. A script frontend routes one APDU every
2 ms to an echo backend; every transaction is an event for every client.

    tests/control/bench-event-clients.py build/core/cardrouted \\
        build/plugins:build/tests/plugins [N]
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crtest import Daemon  # noqa: E402

CARDROUTED, PLUGIN_DIRS = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 500
# "--no-limit-keys": for a cardrouted from before the REST connection limits
LIMIT_KEYS = "--no-limit-keys" not in sys.argv[4:]


def main():
    with tempfile.TemporaryDirectory(prefix="cr-bench-events-") as tmp:
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "bench",
                   "[router]\nrest = 127.0.0.1:0\ndbus = none\n"
                   + (f"rest-max-connections = {N + 100}\nrest-max-connections-per-address = {N + 100}\n"
                      if LIMIT_KEYS else "") +
                   "[backend:card]\nplugin = echo\natr = 3B 00\n"
                   "[frontend:term]\nplugin = script\ncommands = 00B0000002\nrepeat = 100000000\n"
                   "interval-ms = 2\nlog = /dev/null\n"
                   "[route:r1]\nfrontend = term\nbackend = card\n")
        if not d.wait_ready():
            print(d.output())
            sys.exit(1)
        subprocess.run(["prlimit", "--pid", str(d.proc.pid), f"--nofile={N + 1000}:{N + 1000}"],
                       check=True)

        def cpu():
            with open(f"/proc/{d.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        def rss():
            with open(f"/proc/{d.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            return 0

        def transactions():
            _, _, text = d.request("GET", "/metrics")
            for line in text.splitlines():
                if line.startswith("cardroute_route_transactions_total"):
                    return int(line.split()[-1])
            return 0

        def window(what):
            c0, t0 = cpu(), transactions()
            time.sleep(3)
            c1, t1 = cpu(), transactions()
            print(f"{what}: {1e6 * (c1 - c0) / max(1, t1 - t0):.0f} us CPU per transaction "
                  f"({t1 - t0} in 3 s), RSS {rss()} KiB", flush=True)

        time.sleep(1)
        window("no event client")
        clients = []
        for _ in range(N):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect((d.host, d.port))
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(s)
        for i in range(3):
            window(f"{N} event clients that do not read, window {i}")
        for s in clients:
            s.close()
        time.sleep(3)
        print(f"after they left: RSS {rss()} KiB")
        d.stop()


main()
