#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""frontend-vpcd while its route's card is absent (`offer-card = present`, the
only behaviour vpcd has: there is no ATR to offer): the slot does not connect
to vpcd, so pcscd shows no card; when the route changes to a card that is
there, the slot connects and answers get-ATR. A fake vpcd (this script), no
pcscd needed. Routes are made over REST at run time."""
import http.client
import json
import os
import select
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures.daemon import Daemon  # noqa: E402

CARDROUTED, PLUGIN_DIR, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
ATR = bytes.fromhex("3B021450")
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def listener(port=0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


def accept(server, timeout=10.0):
    r, _, _ = select.select([server], [], [], timeout)
    if not r:
        return None
    conn, _ = server.accept()
    conn.settimeout(10.0)
    return conn


def ask(conn, payload):
    conn.sendall(len(payload).to_bytes(2, "big") + payload)
    head = conn.recv(2)
    if len(head) < 2:
        return None
    n = int.from_bytes(head, "big")
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def rest(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"} if body is not None else {})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def main():
    with tempfile.TemporaryDirectory() as tmp:
        s_with, s_without = listener(), listener()
        p_with, p_without = s_with.getsockname()[1], s_without.getsockname()[1]
        ini = ("[router]\nrest = 127.0.0.1:0\ndbus = none\n"
               "[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
               "[backend:card2]\nplugin = echo\natr = 3B 02 14 50\n"
               f"[backend:gone]\nplugin = vcard\nprofile = {PROFILE}\npresent = false\n"
               f"[frontend:vpcd0]\nplugin = vpcd\nport = {p_with}\n"
               f"[frontend:vpcd1]\nplugin = vpcd\nport = {p_without}\n"
               "[route:r0]\nfrontend = vpcd0\nbackend = card\n")
        with Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini, "nocard") as d:
            port = d.rest_port()
            check(port is not None, "cardrouted is up")
            st = rest(port, "POST", "/api/v1/routes",
                      {"name": "r1", "frontend": "vpcd1", "backend": "gone"})
            check(st == 201, f"vpcd1 routed to a backend without a card ({st})")
            # one more request: the main loop has run past the route's change
            check(rest(port, "GET", "/api/v1/routes/r1") == 200, "route r1 listed")
            conn = accept(s_with)
            check(conn is not None and ask(conn, b"\x04") == ATR,
                  "the slot whose card is there connects and answers get-ATR")
            # the card-less slot must not have connected (its route was made
            # before vpcd0's get-ATR was answered)
            r, _, _ = select.select([s_without], [], [], 0)
            check(not r, "the slot whose route has no card does not connect: vpcd shows no card")
            check(rest(port, "DELETE", "/api/v1/routes/r1") in (200, 204), "route r1 removed")
            check(rest(port, "POST", "/api/v1/routes",
                       {"name": "r2", "frontend": "vpcd1", "backend": "card2"}) == 201,
                  "vpcd1 routed to a card that is there")
            conn2 = accept(s_without)
            check(conn2 is not None and ask(conn2, b"\x04") == ATR,
                  "now the slot connects to vpcd and answers get-ATR with the card's ATR")
            for c in (conn, conn2):
                if c is not None:
                    c.close()
            rc = d.stop()
            check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
        s_with.close()
        s_without.close()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
