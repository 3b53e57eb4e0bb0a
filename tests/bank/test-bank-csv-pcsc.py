#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A bank configured as a bankd user would: rspro-bank with slots-csv
("1","0","Virtual PCD 00 00") and no backend section. The bank opens the
PC/SC readers itself; a virtual card sits in vpcd's reader "Virtual PCD 00 00"
(daemon A: backend-vcard -> frontend-vpcd); a cardroute client
(backend-remote) mapped by a cardroute server (rspro-server) reads EF.ICCID
through it. Runs in private namespaces with a private pcscd.

usage: test-bank-csv-pcsc.py CARDROUTED PLUGIN_DIRS CARDROUTECTL VCARD_PROFILE"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

sys.path.insert(0, os.path.join(HERE, "..", "server"))
from fixtures.loop import ICCID  # noqa: E402
from srvtest import (Daemon, Server, bank_ini, check, client_ini, finish, server_ini,  # noqa: E402
                     wait_until)

cardrouted, plugin_dirs, ctl_bin, profile = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix="cr-bank-csv-")


def read_iccid(client):
    for cmd in ("00A40004023F00", "00A40004022FE2"):
        st, _, _ = client.request("POST", "/api/v1/backends/sim/apdu", body={"apdu": cmd})
        if st != 200:
            return None
    st, _, body = client.request("POST", "/api/v1/backends/sim/apdu",
                                 body={"apdu": "00B000000A"})
    return bytes.fromhex(body["response"]) if st == 200 else None


d = pcscd.Pcscd(tmp, debug=False)
d.start()
with open(os.path.join(tmp, "slots.csv"), "w") as f:
    f.write(f'"1","0","{d.reader(0)}"\n')
card = Daemon(cardrouted, plugin_dirs, tmp, "card", f"""[router]
rest =
dbus = none
[backend:vcard0]
plugin = vcard
profile = {profile}
[frontend:vpcd0]
plugin = vpcd
port = {d.base_port}
slot = 0
[route:r0]
frontend = vpcd0
backend = vcard0
""")
# the server and the bank listen on port 0: the server logs the port it got
server = Server(cardrouted, plugin_dirs, tmp, "server", server_ini(os.path.join(tmp, "state.json")))
server_ready = server.wait_ready()
server_port = server.rspro_port
# the whole bank configuration of a bankd user: no backend section
bank = Daemon(cardrouted, plugin_dirs, tmp, "bank", bank_ini(
    None, rest="", server=f"127.0.0.1:{server_port}", extra="slots-csv = slots.csv\n"))
client = Daemon(cardrouted, plugin_dirs, tmp, "client", client_ini(server_port))
try:
    check(server_ready, "the server runs")
    check(client.wait_ready(), "the client runs")
    check(bank.wait_log("no backend section: [backend:bank-readers] made"),
          "the bank opens the PC/SC readers itself")
    check(bank.wait_log(f"reader '{d.reader(0)}' is slot bank-readers.0"),
          "reader 00 00 is bank-readers.0")
    check(wait_until(lambda: len(server.api("GET", "/banks")[2]["banks"]) == 1
                     and len(server.api("GET", "/clients")[2]["clients"]) == 1),
          "bank 1 and client C7:0 register with the server")
    p = subprocess.run([ctl_bin, "--url", server.url(), "remsim", "map", "1", "0", "7", "0"],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, f"remsim map 1 0 7 0 ({p.stdout}{p.stderr})")
    check(wait_until(lambda: read_iccid(client) == ICCID + b"\x90\x00", 30),
          "the client reads EF.ICCID through bank -> PC/SC -> vpcd -> virtual card")
    check(bank.wait_log(f"CSV line 1 ('{d.reader(0)}') matches bank-readers.0, reader "
                        f"{d.reader(0)}"), "the CSV line matched the reader")
    check(not bank.wait_log("no free backend slot", 0.2), "no 'no free backend slot' line")
    rc = subprocess.run([cardrouted, "--plugin-dir", plugin_dirs, "--check-config",
                         bank.ini], capture_output=True, text=True, timeout=30)
    check(rc.returncode == 0 and "bank-readers" in rc.stdout,
          f"--check-config shows the implicit instance ({rc.stdout}{rc.stderr})")
finally:
    for dmn in (client, bank, server, card):
        dmn.stop()
    d.stop()
finish()
