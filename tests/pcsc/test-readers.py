#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""One backend-pcsc instance for every reader: `[backend:readers] plugin = pcsc`
with no `reader` key, started before pcscd. Daemons A0 and A1 put a virtual
card into each of vpcd's two readers ("Virtual PCD 00 00" and "00 01").
Checks: both readers become slots readers.0 and readers.1 once pcscd comes
(a reader appearing after start), both cards answer through the REST APDU
shell, removing the card from reader 1 marks only readers.1, and killing and
restarting pcscd brings both back under their old names."""
import http.client
import json
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

from fixtures.daemon import Daemon  # noqa: E402
from fixtures.loop import ICCID  # noqa: E402

CARDROUTED, PLUGIN_DIR, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def wait_until(pred, limit=20.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)  # bounded wait for an event seen over REST, not a verdict
    return pred()


class Rest:
    def __init__(self, daemon):
        self.daemon = daemon
        self.port = None

    def find_port(self):
        m = re.search(r"REST API listening on https?://[^:/]+:(\d+)/", self.daemon.log())
        if m:
            self.port = int(m.group(1))
        return self.port

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data,
                     headers={"Content-Type": "application/json"} if data else {})
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        return resp.status, (json.loads(text) if text else None)

    def slots(self):
        """{name: state} of the instance 'readers'."""
        st, body = self.request("GET", "/api/v1/backends")
        if st != 200:
            return {}
        items = body.get("backends", body) if isinstance(body, dict) else body
        return {b["name"]: b["state"] for b in items if b.get("instance") == "readers"}

    def locations(self):
        st, body = self.request("GET", "/api/v1/backends")
        items = body.get("backends", body) if isinstance(body, dict) else body
        return {b["name"]: b.get("location") for b in items if b.get("instance") == "readers"}

    def apdu(self, slot, hexstr):
        return self.request("POST", f"/api/v1/backends/{slot}/apdu", {"apdu": hexstr})


def card_ini(d, slot):
    return (f"[router]\nrest =\ndbus = none\n"
            f"[backend:vcard{slot}]\nplugin = vcard\nprofile = {PROFILE}\n"
            f"[frontend:vpcd{slot}]\nplugin = vpcd\nport = {d.base_port}\nslot = {slot}\n"
            f"[route:r{slot}]\nfrontend = vpcd{slot}\nbackend = vcard{slot}\n")


B_INI = ("[router]\nrest = 127.0.0.1:0\ndbus = none\nallow-apdu = true\n"
         "[backend:readers]\nplugin = pcsc\nshare = shared\n")


def read_iccid(rest, slot):
    for cmd in ("00A40004023F00", "00A40004022FE2"):
        st, _ = rest.apdu(slot, cmd)
        if st != 200:
            return None
    st, body = rest.apdu(slot, "00B000000A")
    return bytes.fromhex(body["response"]) if st == 200 else None


def states(rest, want):
    return wait_until(lambda: rest.slots() == want)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        d = pcscd.Pcscd(tmp)
        b = Daemon(CARDROUTED, PLUGIN_DIR, tmp, B_INI, "b").start()
        daemons = [b]
        try:
            rest = Rest(b)
            check(wait_until(rest.find_port) is not None, "B's REST API listens")
            check(b.wait_log("readers: cannot reach pcscd"), "without pcscd: B says so")
            check(rest.slots() == {}, "without pcscd: no slots yet")
            a = [Daemon(CARDROUTED, PLUGIN_DIR, tmp, card_ini(d, i), f"a{i}").start()
                 for i in (0, 1)]
            daemons += a
            d.start()
            run(d, b, a, rest, tmp, daemons)
        finally:
            for daemon in daemons:
                rc = daemon.stop()
                check(rc in (0, None), f"{daemon.path} exits 0 (got {rc})")
            if failures:
                for daemon in daemons:
                    print(f"---- {daemon.path}\n" + daemon.log())
                print("---- pcscd\n" + d.log_tail())
            d.stop()
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


def run(d, b, a, rest, tmp, daemons):
    both = {"readers.0": "present", "readers.1": "present"}
    check(states(rest, both), f"pcscd came later: two slots with cards ({rest.slots()})")
    check(b.wait_log(f"reader '{d.reader(0)}' is slot readers.0"), "reader 00 00 is readers.0")
    check(b.wait_log(f"reader '{d.reader(1)}' is slot readers.1"), "reader 00 01 is readers.1")
    check(rest.locations() == {"readers.0": d.reader(0), "readers.1": d.reader(1)},
          f"REST shows each slot's reader as its location ({rest.locations()})")
    for slot in ("readers.0", "readers.1"):
        check(read_iccid(rest, slot) == ICCID + b"\x90\x00", f"{slot}: EF.ICCID reads right")

    # the card leaves reader 1 only
    a[1].stop()
    check(states(rest, {"readers.0": "present", "readers.1": "empty"}),
          f"card removed from reader 1: only readers.1 is empty ({rest.slots()})")
    check(read_iccid(rest, "readers.0") == ICCID + b"\x90\x00", "readers.0 still reads")
    a[1] = Daemon(CARDROUTED, PLUGIN_DIR, tmp, card_ini(d, 1), "a1-again").start()
    daemons.append(a[1])
    check(states(rest, both), "card back in reader 1: readers.1 present again")

    # pcscd dies and comes back: the same two names, no third slot
    mark = b.mark()
    d.kill()
    check(states(rest, {"readers.0": "down", "readers.1": "down"}),
          f"pcscd killed: both slots down ({rest.slots()})")
    check(b.wait_log("readers: pcscd went away", since=mark), "B logs that pcscd went away")
    d.start()
    check(states(rest, both), f"pcscd restarted: both back under their names ({rest.slots()})")
    for slot in ("readers.0", "readers.1"):
        check(read_iccid(rest, slot) == ICCID + b"\x90\x00", f"after restart: {slot} reads")
    check(b.alive(), "B still serves")


main()
