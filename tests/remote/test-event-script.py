#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The event script (osmo-remsim-client's -e): a client cardrouted with
frontend-simtrace2 (the firmware simulator's phone) routed to backend-remote,
both with `event-script`, against a cardroute server and bank (virtual card).
The script records its argument and REMSIM_* environment; each cause must
come at the right moment: server link up, config from the server, bank link
up (with the three requests), modem VCC/RST changes from the simulated phone,
the mapping removed; a script that hangs is killed at its time limit while
the daemon keeps serving, and the runs queued behind it still come.

usage: test-event-script.py CARDROUTED PLUGIN_DIRS CARDROUTECTL ST2_SIM VCARD_PROFILE"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from srvtest import (BANK_LISTENS, Daemon, Server, bank_ini, check, client_ini,  # noqa: E402
                     finish, server_ini, wait_until)

cardrouted, plugin_dirs, ctl_bin, st2_sim, profile = sys.argv[1:6]
SCRIPT = os.path.join(HERE, "event-record.sh")
tmp = tempfile.mkdtemp(prefix="cr-event-script-")
REMOTE_OUT = os.path.join(tmp, "remote.rec")
ST2_OUT = os.path.join(tmp, "st2.rec")
HANG = os.path.join(tmp, "hang")
SOCK = os.path.join(tmp, "st2.sock")


def records(path):
    """[{'argv1':..., 'argc':..., 'REMSIM_...':...}] in order."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return []
    out = []
    for block in text.split("---\n"):
        rec = {}
        for line in block.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                rec[k] = v
        if rec:
            out.append(rec)
    return out


def causes(path):
    return [r["argv1"] for r in records(path)]


def wait_causes(path, want, start=0, limit=20.0):
    """Waits until `want` follows in order (as a sub-sequence) after index start."""
    def ok():
        got = causes(path)[start:]
        i = 0
        for c in got:
            if i < len(want) and c == want[i]:
                i += 1
        return i == len(want)
    return wait_until(ok, limit)


def last(path, cause):
    rs = [r for r in records(path) if r["argv1"] == cause]
    return rs[-1] if rs else {}


def ctl(server, *args):
    p = subprocess.run([ctl_bin, "--url", server.url()] + list(args), capture_output=True,
                       text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def run_phone(script="gsm"):
    p = subprocess.run([st2_sim, "--socket", SOCK, "--script", script, "--timeout", "30",
                        "--quiet"], capture_output=True, text=True, timeout=60)
    return p.returncode


# every listener on port 0: each daemon logs the port it got
server = Server(cardrouted, plugin_dirs, tmp, "server",
                server_ini(os.path.join(tmp, "state.json")))
if not check(server.wait_ready(), "the server runs"):
    print(server.output())
    server.stop()
    finish()
server_port = server.rspro_port
bank = Daemon(cardrouted, plugin_dirs, tmp, "bank",
              bank_ini(profile, rest="", server=f"127.0.0.1:{server_port}"))
client = Daemon(cardrouted, plugin_dirs, tmp, "client", client_ini(server_port, router_extra="",
                                                                   extra=f"""\
event-script = OUT={REMOTE_OUT} HANG={HANG} {SCRIPT}
event-script-timeout-ms = 1500
[frontend:phone]
plugin = simtrace2
device = sim:{SOCK}
interface = 1
event-script = OUT={ST2_OUT} {SCRIPT}
[route:r]
frontend = phone
backend = sim
"""))
try:
    check(client.wait_ready(), "the client runs")
    bank_port = bank.logged_port(BANK_LISTENS)
    check(wait_causes(REMOTE_OUT, ["event-server-connect"]), "server link up: event-server-connect")
    r = last(REMOTE_OUT, "event-server-connect")
    check(r.get("argc") == "1" and r.get("REMSIM_CAUSE") == "event-server-connect",
          f"one argument, the cause, and REMSIM_CAUSE the same ({r})")
    check(r.get("REMSIM_SERVER_ADDR") == f"127.0.0.1:{server_port}"
          and r.get("REMSIM_SERVER_STATE") == "CONNECTED"
          and r.get("REMSIM_CLIENT_SLOT") == "7:0"
          and r.get("REMSIM_BANKD_ADDR") == "(null):0"
          and "REMSIM_CLIENT_VERSION" in r, f"the server-connect environment ({r})")
    check(wait_until(lambda: len(server.api("GET", "/banks")[2]["banks"]) == 1), "the bank registers")

    n = len(causes(REMOTE_OUT))
    rc, out = ctl(server, "remsim", "map", "1", "0", "7", "0")
    check(rc == 0, f"remsim map 1 0 7 0 ({out.strip()})")
    want = ["event-config-bankd", "event-bankd-connect", "request-sim-remote",
            "request-card-insert", "request-modem-reset"]
    check(wait_causes(REMOTE_OUT, want, n), f"mapped: {want} in order")
    r = last(REMOTE_OUT, "event-config-bankd")
    check(r.get("REMSIM_BANKD_ADDR") == f"127.0.0.1:{bank_port}"
          and r.get("REMSIM_BANKD_SLOT") == "1:0", f"config-bankd: bank address and slot ({r})")
    r = last(REMOTE_OUT, "event-bankd-connect")
    check(r.get("REMSIM_BANKD_STATE") == "CONNECTED", f"bankd-connect: bank link CONNECTED ({r})")
    check(wait_causes(ST2_OUT, ["request-card-insert"]), "the phone's frontend: request-card-insert")

    # the simulated phone powers and resets the card: VCC/RST reach both
    n_st2, n = len(causes(ST2_OUT)), len(causes(REMOTE_OUT))
    check(run_phone("gsm") == 0, "the phone's gsm script passes through client -> bank -> card")
    check(wait_causes(ST2_OUT, ["event-modem-status"], n_st2), "frontend: event-modem-status")

    def st2_status():
        return [r for r in records(ST2_OUT)[n_st2:] if r["argv1"] == "event-modem-status"]
    check(wait_until(lambda: any(r.get("REMSIM_SIM_VCC") == "1" for r in st2_status())),
          f"frontend: the phone's VCC on is seen ({st2_status()[:4]})")
    check(all(r.get("REMSIM_USB_INTERFACE") == "1" for r in st2_status()),
          "frontend: REMSIM_USB_INTERFACE from the config")
    check(wait_until(lambda: any(r.get("REMSIM_SIM_VCC") == "1" and r.get("REMSIM_SIM_RST") == "0"
                                 for r in records(REMOTE_OUT)[n:]
                                 if r["argv1"] == "event-modem-status")),
          "backend-remote: event-modem-status with the status sent to the bank (VCC 1, RST 0)")

    n = len(causes(REMOTE_OUT))
    rc, out = ctl(server, "remsim", "unmap", "1", "0")
    check(rc == 0, "remsim unmap 1 0")
    want = ["event-config-bankd", "request-card-remove", "request-sim-local",
            "request-modem-reset"]
    check(wait_causes(REMOTE_OUT, want[1:], n), f"unmapped: {want[1:]} in order")

    # a script that hangs: killed at its limit, the daemon serves meanwhile,
    # the runs queued behind it still come
    open(HANG, "w").close()
    n = len(causes(REMOTE_OUT))
    rc, out = ctl(server, "remsim", "map", "1", "0", "7", "0")
    check(rc == 0, "mapped again with a hanging script")
    check(client.wait_log("killed after its time limit of 1500 ms"),
          "the hanging script is killed at its time limit")
    os.unlink(HANG)
    text = client.output()
    check(text.find("accepted connectClientReq C7:0") < text.find("killed after its time limit"),
          "the bank link came up while the script hung (the main loop did not wait)")
    check(wait_causes(REMOTE_OUT, ["event-config-bankd", "event-bankd-connect",
                                   "request-sim-remote", "request-card-insert",
                                   "request-modem-reset"], n),
          "the runs queued behind the hanging one still ran, in order")
    check(run_phone("gsm") == 0, "the phone still works after the kill")
    check(client.proc.poll() is None, "the client daemon still runs")
finally:
    for d in (client, bank, server):
        d.stop()
finish()
