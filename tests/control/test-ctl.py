#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardroutectl against a running cardrouted: tables, --json, route add/del,
apdu, trace, metrics, and the exit codes and messages scripts rely on."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crtest import Daemon, check, finish, wait_until  # noqa: E402

CARDROUTED, PLUGIN_DIRS, CTL = sys.argv[1], sys.argv[2], sys.argv[3]


def ctl(d, *args, token=None):
    cmd = [CTL, "--url", d.url()] + (["--token", token] if token else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tok = os.path.join(tmp, "token")
        with open(tok, "w") as f:
            f.write("t0k\n")
        ini = ("[router]\nrest = 127.0.0.1:0\ndbus = none\nallow-apdu = true\n"
               f"state-dir = {tmp}/state\nrest-token-file = {tok}\n"
               "[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
               "[backend:card2]\nplugin = echo\n"
               "[frontend:term]\nplugin = script\ncommands = 00A40004023F00;00B0000002\n"
               f"log = {tmp}/term.log\n"
               "[frontend:term2]\nplugin = script\nextended = true\n"
               "commands = 00A40004022F00;00B0000004\n"
               f"log = {tmp}/term2.log\n"
               "[route:r1]\nfrontend = term\nbackend = card\n")
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "ctl", ini)
        try:
            check(d.wait_ready(), "cardrouted starts")
            r = ctl(d, "status")
            check(r.returncode == 1 and r.stderr.startswith("cardroutectl: auth:"),
                  f"no token: exit 1, 'auth' ({r.returncode} {r.stderr.strip()})")
            r = ctl(d, "status", token="wrong")
            check(r.returncode == 1 and "auth" in r.stderr, "wrong token: exit 1")
            os.environ["CARDROUTE_TOKEN"] = "t0k"
            r = ctl(d, "status")
            check(r.returncode == 0 and "version" in r.stdout and "routes         1" in r.stdout,
                  "status (token from $CARDROUTE_TOKEN)")
            r = ctl(d, "--json", "status")
            check(r.returncode == 0 and json.loads(r.stdout)["routes"] == 1, "status --json")
            r = ctl(d, "plugins")
            check(r.returncode == 0 and any(l.split()[:2] == ["echo", "backend"] for l in r.stdout.splitlines()),
                  "plugins table")
            r = ctl(d, "frontends")
            lines = r.stdout.splitlines()
            check(r.returncode == 0 and lines[0].split()[0] == "NAME"
                  and any(l.split()[:4] == ["term", "term", "present", "r1"] for l in lines), "frontends table")
            check(lines[0].split()[7] == "CAPS"
                  and any(l.split()[0] == "term" and "T=0 short 261/258" in l for l in lines)
                  and any(l.split()[0] == "term2" and "T=1 ext 65544/65538" in l for l in lines),
                  "frontends table: CAPS column")
            r = ctl(d, "backends")
            check(r.returncode == 0 and any(l.split()[0] == "card2" for l in lines[1:] + r.stdout.splitlines()),
                  "backends table")
            r = ctl(d, "routes")
            check(r.returncode == 0 and any(l.split()[:4] == ["r1", "term", "card", "config"]
                                            for l in r.stdout.splitlines()), "routes table")
            r = ctl(d, "--json", "routes")
            check(r.returncode == 0 and json.loads(r.stdout)["routes"][0]["name"] == "r1", "routes --json")

            r = ctl(d, "apdu", "card2", "00A40004023F00")
            check(r.returncode == 0 and r.stdout.strip() == "3F009000", "apdu prints the response")
            r = ctl(d, "apdu", "card", "00A40004023F00")
            check(r.returncode == 1 and r.stderr.startswith("cardroutectl: busy:"), "apdu to a routed card: 1")
            r = ctl(d, "apdu", "card2", "zz")
            check(r.returncode == 1 and "invalid" in r.stderr, "apdu bad hex: 1")
            r = ctl(d, "apdu", "nope", "00A40004023F00")
            check(r.returncode == 4 and "not-found" in r.stderr, "apdu unknown backend: 4")

            # trace follows the stream while a route is made
            trace = subprocess.Popen([CTL, "--url", d.url(), "trace", "--count", "2"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            first = trace.stdout.readline()
            check(first.startswith("# following"), "trace says it follows")
            r = ctl(d, "route", "add", "term2", "card2", "--name", "rt")
            check(r.returncode == 0 and r.stdout.strip() == "rt", "route add prints the name")
            out, err = trace.communicate(timeout=30)
            lines = out.splitlines()
            tx = [l for l in lines if "term2>card2" in l and "->" in l]
            check(trace.returncode == 0 and len(tx) == 2, f"trace --count 2 ends after 2 transactions: {lines}")
            check(tx and "SELECT" in tx[0] and "00A40004022F00 -> 2F009000" in tx[0],
                  "trace shows the instruction name and the bytes")
            check(len(tx) > 1 and "READ BINARY" in tx[1], "second instruction decoded (READ BINARY)")
            check(any("route-added rt" in l for l in lines), "trace shows the route change")

            r = ctl(d, "route", "add", "term2", "card2")
            check(r.returncode == 1 and r.stderr.startswith("cardroutectl: exists:"), "route add again: exists, 1")
            r = ctl(d, "route", "add", "ghost", "card2")
            check(r.returncode == 4 and "not-found" in r.stderr, "route add unknown slot: 4")
            r = ctl(d, "route", "del", "rt")
            check(r.returncode == 0 and r.stdout == "", "route del: 0, silent")
            r = ctl(d, "route", "del", "rt")
            check(r.returncode == 4 and r.stderr.strip() == "cardroutectl: not-found: no route named 'rt'",
                  "route del unknown: 4 with a clear message")

            r = ctl(d, "metrics")
            check(r.returncode == 0 and "cardroute_route_transactions_total{" in r.stdout, "metrics")
            r = ctl(d, "bogus")
            check(r.returncode == 2, "unknown command: 2")
            r = ctl(d, "route", "add", "onlyone")
            check(r.returncode == 2, "missing argument: 2")
            r = subprocess.run([CTL, "--url", "http://127.0.0.1:1", "status"], capture_output=True, text=True,
                               timeout=30)
            check(r.returncode == 3 and r.stderr.startswith("cardroutectl: unreachable:"), "unreachable: 3")
        finally:
            check(d.stop() == 0, "clean exit")
    finish()


main()
