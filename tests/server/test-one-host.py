#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A remsim server, a bank and a client on one host with the default ports:
none collides (REST 9997 / 9996 / 9995, RSPRO 9998 / 9999), the client gets
its card through both links, and a port that is taken stops a start with a
message naming file, section, key and the process that holds it.

Runs in a network namespace of its own (fixtures.pcscd.isolate()), so the
fixed default ports are this test's alone.

usage: test-one-host.py CARDROUTED PLUGIN_DIR CARDROUTECTL
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()
from fixtures.daemon import Daemon  # noqa: E402

CARDROUTED, PLUGIN_DIR, CARDROUTECTL = sys.argv[1:4]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def get(port, path, timeout=10.0):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return json.loads(r.read())


def exit_code(d, limit=60):
    """The exit code of a daemon that is to stop by itself."""
    try:
        d.proc.wait(timeout=limit)
    except Exception:  # noqa: BLE001 - still running: stopped below
        pass
    return d.stop()


def wait_for(cond, limit=30.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            if cond():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def wait_rest(port, limit=15.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            return get(port, "/api/v1/status")
        except OSError:
            time.sleep(0.05)
    return None


SERVER = """[router]
dbus = none
[control:remsim]
plugin = rspro-server
state-file =
"""
BANK = """[router]
dbus = none
[frontend:bank]
plugin = rspro-bank
server = 127.0.0.1
bank-id = 1
slots = 1
[backend:card]
plugin = vcard
[route:b0]
frontend = bank.0
backend = card
"""
CLIENT = """[router]
dbus = none
[backend:sim]
plugin = remote
server = 127.0.0.1
client-id = 7
"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server = Daemon(CARDROUTED, PLUGIN_DIR, tmp, SERVER, "server").start()
        bank = Daemon(CARDROUTED, PLUGIN_DIR, tmp, BANK, "bank").start()
        client = Daemon(CARDROUTED, PLUGIN_DIR, tmp, CLIENT, "client").start()
        try:
            for name, d, port in (("server", server, 9997), ("bank", bank, 9996),
                                  ("client", client, 9995)):
                status = wait_rest(port)
                check(status is not None and d.alive(),
                      f"{name}: runs with REST on its default port {port}")
            check(server.wait_log("listening on 127.0.0.1:9998"),
                  "server: RSPRO on its default 9998")
            check(bank.wait_log("listening on 127.0.0.1:9999"), "bank: clients on 9999")
            # a slotmap through the server's RSRES API; the client gets the card
            req = urllib.request.Request(
                "http://127.0.0.1:9997/api/backend/v1/slotmaps", method="POST",
                data=json.dumps({"bank": {"bankId": 1, "slotNr": 0},
                                 "client": {"clientId": 7, "slotNr": 0}}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as r:
                check(r.status == 201, "slotmap made on the server's default REST port")
            check(client.wait_log("3B9F96801FC7", timeout=20),
                  "client: the bank's card reached it over the default ports")

            # visibility: the client's link states in REST (describe() of its slot)
            det = get(9995, "/api/v1/backends/sim")["details"]
            check(det.get("server-state") == "CONNECTED" and det.get("bank-state") == "CONNECTED"
                  and det.get("bank-slot") == "1:0", f"client details in REST: {det}")
            r = subprocess.run([CARDROUTECTL, "--url", "http://127.0.0.1:9995", "instances"],
                               capture_output=True, text=True, timeout=20)
            check(r.returncode == 0 and "server-state = CONNECTED" in r.stdout
                  and "bank-state = CONNECTED" in r.stdout and "remote" in r.stdout,
                  "cardroutectl instances shows the link states: " + r.stdout)
            inst = get(9996, "/api/v1/instances/bank")
            check(inst["plugin"] == "rspro-bank" and inst["details"].get("server-state")
                  == "CONNECTED", f"bank instance details: {inst['details']}")

            # a map to a slot the one-slot bank does not have: cardroutectl refuses at once
            r = subprocess.run([CARDROUTECTL, "--url", "http://127.0.0.1:9997", "remsim", "map",
                                "1", "8", "8", "0"], capture_output=True, text=True, timeout=20)
            check(r.returncode == 1 and "bank 1 has 1 slot" in r.stderr
                  and "no slot 8" in r.stderr, "cardroutectl refuses slot 8 at once: " + r.stderr)
            # ... made through REST anyway: the bank's refusal shows in RSRES (bounded wait)
            req = urllib.request.Request(
                "http://127.0.0.1:9997/api/backend/v1/slotmaps", method="POST",
                data=json.dumps({"bank": {"bankId": 1, "slotNr": 8},
                                 "client": {"clientId": 8, "slotNr": 0}}).encode(),
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=5) as resp:
                check(resp.status == 201, "the REST API takes the map")
            refusal = None
            end = time.monotonic() + 20.0
            while refusal is None and time.monotonic() < end:
                maps = get(9997, "/api/backend/v1/slotmaps")["slotmaps"]
                refusal = next((m.get("refusal") for m in maps
                                if m["bank"]["slotNr"] == 8), None)
                if refusal is None:
                    time.sleep(0.02)
            check(refusal is not None and refusal["result"] == "illegalSlotId"
                  and refusal["bankId"] == 1 and refusal["time"].endswith("Z"),
                  f"the refusal is in RSRES: {refusal}")
            det = get(9997, "/api/v1/instances/remsim")["details"]
            check(det.get("slotmaps-refused") == 1 and any("illegalSlotId" in x for x in
                                                           det.get("refusals", [])),
                  f"... and in /api/v1: {det}")
            r = subprocess.run([CARDROUTECTL, "--url", "http://127.0.0.1:9997", "remsim",
                                "slotmaps"], capture_output=True, text=True, timeout=20)
            check("refused by bank 1: illegalSlotId" in r.stdout,
                  "cardroutectl remsim slotmaps shows the refusal: " + r.stdout)
            with urllib.request.urlopen("http://127.0.0.1:9997/metrics", timeout=5) as resp:
                metrics = resp.read().decode()
            for line in ('cardroute_remsim_clients_connected{instance="remsim"} 1',
                         'cardroute_remsim_banks_connected{instance="remsim"} 1',
                         'cardroute_remsim_slotmaps{instance="remsim",state="ACTIVE"} 1',
                         'cardroute_remsim_slotmaps_refused{instance="remsim"} 1',
                         'cardroute_remsim_refusals_total{instance="remsim",result="illegalSlotId"} 1',
                         'cardroute_remsim_link_transitions_total{instance="remsim",peer="bank",to="up"} 1'):
                check(line in metrics, f"/metrics has {line}")

            # the bank goes: the client's REST view says so, and again when it is back
            bank.stop()
            check(wait_for(lambda: get(9995, "/api/v1/backends/sim")["details"]
                           .get("bank-state") != "CONNECTED"),
                  "client details: bank-state leaves CONNECTED when the bank stops")
            det = get(9995, "/api/v1/backends/sim")["details"]
            check("bank-last-error" in det, f"... with the last error: {det}")
            server.stop()
            check(wait_for(lambda: get(9995, "/api/v1/backends/sim")["details"]
                           .get("server-state") != "CONNECTED"),
                  "client details: server-state leaves CONNECTED when the server stops")
            det = get(9995, "/api/v1/backends/sim")["details"]
            check("server-next-retry-s" in det or "server-last-error" in det,
                  f"... with the last error or next retry: {det}")
            server = Daemon(CARDROUTED, PLUGIN_DIR, tmp, SERVER, "server").start()
            bank = Daemon(CARDROUTED, PLUGIN_DIR, tmp, BANK, "bank").start()
            check(wait_rest(9997) is not None, "server back")
            req = urllib.request.Request(
                "http://127.0.0.1:9997/api/backend/v1/slotmaps", method="POST",
                data=json.dumps({"bank": {"bankId": 1, "slotNr": 0},
                                 "client": {"clientId": 7, "slotNr": 0}}).encode(),
                headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=5).close()
            def both_up():
                det = get(9995, "/api/v1/backends/sim")["details"]
                return det.get("bank-state") == det.get("server-state") == "CONNECTED"
            check(wait_for(both_up, limit=60), "client details: both links CONNECTED again")

            # the same server again: its RSPRO port is taken
            again = Daemon(CARDROUTED, PLUGIN_DIR, tmp, SERVER, "server2").start()
            rc = exit_code(again)
            out = "\n".join(again.lines)
            check(rc == 1, f"a second server does not start (rc {rc})")
            check("server2.ini:3: [control:remsim] listen (default)" in out
                  and "127.0.0.1:9998" in out
                  and f"held by pid {server.proc.pid} (cardrouted)" in out,
                  "the RSPRO clash names file, line, section, key and the holder: " + out)

            # a daemon with no remsim role takes the REST default of the server
            plain = Daemon(CARDROUTED, PLUGIN_DIR, tmp,
                           "[router]\ndbus = none\n[backend:c]\nplugin = vcard\n",
                           "plain").start()
            rc = exit_code(plain)
            out = "\n".join(plain.lines)
            check(rc == 1, f"a REST port clash stops the start (rc {rc})")
            check("plain.ini:1: [router] rest (default): REST API on 127.0.0.1:9997" in out
                  and f"held by pid {server.proc.pid} (cardrouted)" in out,
                  "the REST clash names file, section, key and the holder: " + out)

            # cardroutectl against the bank for a server path: says what it reached
            r = subprocess.run([CARDROUTECTL, "--url", "http://127.0.0.1:9996", "remsim",
                                "slotmaps"], capture_output=True, text=True, timeout=20)
            check(r.returncode != 0 and "cardrouted" in r.stderr and "rspro-bank" in r.stderr
                  and "no rspro-server" in r.stderr,
                  "cardroutectl names the daemon it reached: " + r.stderr.strip())
        finally:
            for d in (client, bank, server):
                d.stop()
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
