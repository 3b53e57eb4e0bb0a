#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The full loop, three cardrouted processes over loopback: a client
(backend-remote, APDUs through the REST APDU shell), a bank (rspro-bank in
front of a virtual card) and the server (rspro-server). The map is made with
cardroutectl remsim (REST), deleted while in use, re-made; then the server is
restarted: the stored map comes back, the bank is reconciled and traffic goes
on. Also checks cardroutectl remsim's tables and --json.

usage: test-loop.py CARDROUTED PLUGIN_DIRS CARDROUTECTL VCARD_PROFILE"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from srvtest import (Daemon, Server, bank_ini, check, client_ini, finish, free_port,  # noqa: E402
                     server_ini, wait_until)

cardrouted, plugin_dirs, ctl_bin, profile = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix="cr-loop-")
state = os.path.join(tmp, "remsim-server.json")
APDU = "A0A40000023F00"  # GSM SELECT MF


# the restarted server listens where the first one did: a port kept out of
# the ephemeral range (see fixtures/ports.py)
server_port = free_port()


def start_server(name):
    # no bank-address: the cardroute bank announces where its clients go
    ini = server_ini(state) \
        .replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{server_port}")
    d = Server(cardrouted, plugin_dirs, tmp, name, ini)
    if not check(d.wait_ready(), f"{name}: the server starts on RSPRO port {server_port}"):
        print(d.output())
        d.stop()
        finish()
    return d


def ctl(d, *args):
    p = subprocess.run([ctl_bin, "--url", d.url()] + list(args), capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


def apdu_ok(client):
    st, _, body = client.request("POST", "/api/v1/backends/sim/apdu", body={"apdu": APDU})
    return st == 200 and isinstance(body, dict) and len(body.get("response", "")) >= 4


def map_state(d):
    st, _, body = d.api("GET", "/slotmaps/65536")
    return body.get("state") if st == 200 else None


server = start_server("server1")
bank = Daemon(cardrouted, plugin_dirs, tmp, "bank",
              bank_ini(profile, rest="", server=f"127.0.0.1:{server_port}"))
client = Daemon(cardrouted, plugin_dirs, tmp, "client", client_ini(server_port))
try:
    check(bank.wait_log("running with"), "the bank daemon runs")
    check(client.wait_ready(), "the client daemon runs")
    check(wait_until(lambda: len(server.api("GET", "/banks")[2]["banks"]) == 1
                     and len(server.api("GET", "/clients")[2]["clients"]) == 1),
          "bank 1 and client C7:0 register with the server")

    rc, out, err = ctl(server, "remsim", "banks")
    lines = out.splitlines()
    check(rc == 0 and lines[0].split()[:3] == ["BANK", "SLOTS", "STATE"]
          and lines[1].split()[:3] == ["1", "1", "CONNECTED_BANKD"], f"remsim banks table:\n{out}{err}")
    rc, out, err = ctl(server, "remsim", "clients")
    check(rc == 0 and out.splitlines()[1].split()[:3] == ["C7:0", "CONNECTED_CLIENT", "remsimClient"],
          f"remsim clients table:\n{out}{err}")
    check(not apdu_ok(client), "no map: the client has no card")

    rc, out, err = ctl(server, "remsim", "map", "1", "0", "7", "0")
    check(rc == 0 and out.strip() == "65536", f"remsim map 1 0 7 0 -> 65536 ({out}{err})")
    check(wait_until(lambda: map_state(server) == "ACTIVE"), "the map becomes ACTIVE")
    check(wait_until(lambda: apdu_ok(client), 30), "traffic: client -> bank -> virtual card")
    rc, out, err = ctl(server, "remsim", "slotmaps")
    check(rc == 0 and out.splitlines()[1].split() == ["65536", "B1:0", "C7:0", "ACTIVE"],
          f"remsim slotmaps table:\n{out}{err}")
    rc, out, err = ctl(server, "--json", "remsim", "slotmaps")
    check(rc == 0 and json.loads(out) == {"slotmaps": [{"bank": {"bankId": 1, "slotNr": 0},
                                                        "client": {"clientId": 7, "slotNr": 0},
                                                        "state": "ACTIVE"}]}, "remsim --json slotmaps")
    rc, out, err = ctl(server, "remsim", "map", "1", "0", "8", "0")
    check(rc == 1 and "exists" in err, f"remsim map of a taken bank slot is refused ({err.strip()})")
    rc, out, err = ctl(server, "remsim", "unmap", "3", "3")
    check(rc == 4, f"remsim unmap of an unknown map: exit 4 ({err.strip()})")

    # deleted while in use
    rc, out, err = ctl(server, "remsim", "unmap", "1", "0")
    check(rc == 0, "remsim unmap 1 0 while in use")
    check(wait_until(lambda: not apdu_ok(client), 20), "the client loses the card")
    check(server.wait_log("configClientBankReq B1:0 at 0.0.0.0:0"), "the client was told 'no bankd'")
    check(ctl(server, "remsim", "slotmaps")[1].strip().splitlines()[1:] == [], "no slotmaps left")

    # re-made
    rc, out, err = ctl(server, "remsim", "map", "1", "0", "7", "0")
    check(rc == 0, "re-made with remsim map")
    check(wait_until(lambda: apdu_ok(client), 30), "traffic again after the re-map")

    # server restart: the map is stored and restored, the bank reconciled
    check(server.stop() == 0, "the server stops")
    with open(state) as f:
        check(len(json.load(f)["slotmaps"]) == 1, "the map is in the state file")
    check(apdu_ok(client), "traffic goes on while the server is away (client and bank keep their link)")
    server = start_server("server2")
    check(ctl(server, "remsim", "restart-counter")[1].strip() == "2", "restart counter 2")
    check(wait_until(lambda: map_state(server) == "ACTIVE", 30),
          "after the restart the stored map is ACTIVE again (bank reconnected and reconciled)")
    check(wait_until(lambda: len(server.api("GET", "/clients")[2]["clients"]) == 1, 30),
          "the client registered again")
    check(wait_until(lambda: apdu_ok(client), 30), "traffic after the server restart")
    check(not server.wait_log("configClientBankReq B1:0 at 0.0.0.0:0", 0.5),
          "the client was not unmapped by the restarted server")
    rc, out, err = ctl(server, "remsim", "reset")
    check(rc == 0 and wait_until(lambda: not apdu_ok(client), 20), "remsim reset unmaps everything")
finally:
    for d in (client, bank, server):
        d.stop()
finish()
