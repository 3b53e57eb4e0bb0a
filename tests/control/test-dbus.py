#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardrouted on a private session bus (run under dbus-run-session):
gdbus introspect shows the objects, a route made over D-Bus routes APDUs,
properties and errors. Also: dbus = session without any bus is not fatal."""
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crtest import Daemon, check, finish, read_lines, wait_until  # noqa: E402

CARDROUTED, PLUGIN_DIRS = sys.argv[1], sys.argv[2]
NAME, ROOT = "org.cardroute.Router1", "/org/cardroute/Router1"


def gdbus(*args):
    return subprocess.run(["gdbus", *args], capture_output=True, text=True, timeout=30)


def call(path, method, *args):
    return gdbus("call", "--session", "--dest", NAME, "--object-path", path, "--method", method, *args)


def prop(path, iface, name):
    r = call(path, "org.freedesktop.DBus.Properties.Get", iface, name)
    return r.stdout.strip()


def ini(tmp, dbus="session", extra="dbus-write = true\n"):
    return ("[router]\nrest = 127.0.0.1:0\n"
            f"dbus = {dbus}\nstate-dir = {tmp}/state\n{extra}"
            "[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
            "[backend:sim.2]\nplugin = echo\natr = 3B 00\n"
            "[backend:virt]\nplugin = vcard\nlatency-ms = 3\n"
            "[frontend:term]\nplugin = script\ncommands = 00A40004023F00\n"
            f"log = {tmp}/term.log\n"
            "[frontend:modem-2]\nplugin = script\ncommands = 00A40004022F00;00B0000002\n"
            f"log = {tmp}/modem.log\n"
            "[route:r1]\nfrontend = term\nbackend = card\n")


def main():
    check("DBUS_SESSION_BUS_ADDRESS" in os.environ, "a private session bus is there")
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "dbus", ini(tmp))
        try:
            check(d.wait_ready(), "cardrouted starts")
            check(d.wait_log(f"D-Bus: {NAME} on the session bus"), "it owns its name")
            r = gdbus("introspect", "--session", "--dest", NAME, "--object-path", ROOT, "--recurse")
            out = r.stdout
            check(r.returncode == 0, "gdbus introspect --recurse")
            for node in ["router", "frontend/term", "frontend/modem_2d2", "backend/card", "backend/sim_2e2",
                         "route/r1"]:
                check(f"node {ROOT}/{node} " in out, f"object {node} is there")
            for iface in ["org.cardroute.Router1", "org.cardroute.FrontendSlot1", "org.cardroute.BackendSlot1",
                          "org.cardroute.Route1", "org.freedesktop.DBus.ObjectManager"]:
                check(f"interface {iface} " in out, f"interface {iface}")
            r = call(ROOT, "org.freedesktop.DBus.ObjectManager.GetManagedObjects")
            check(r.returncode == 0 and "'Atr': <'3B021450'>" in r.stdout, "GetManagedObjects shows the ATR")
            details = prop(f"{ROOT}/backend/virt", "org.cardroute.BackendSlot1", "Details")
            check("'latency-ms': <uint32 3>" in details or "'latency-ms': <3>" in details
                  or "latency-ms" in details and "profile" in details,
                  f"BackendSlot1.Details has the plugin's describe(): {details}")
            check(prop(f"{ROOT}/route/r1", "org.cardroute.Route1", "Configured") == "(<true>,)",
                  "Route1.Configured")
            check(prop(f"{ROOT}/backend/card", "org.cardroute.BackendSlot1", "Location") == "(<''>,)",
                  "BackendSlot1.Location is there (empty: this backend names no reader)")
            caps = [prop(f"{ROOT}/frontend/term", "org.cardroute.FrontendSlot1", n)
                    for n in ["Protocols", "ExtendedLength", "MaxCommand", "MaxResponse"]]
            check(caps == ["(<['T=0']>,)", "(<false>,)", "(<uint32 261>,)", "(<uint32 258>,)"],
                  f"FrontendSlot1 capabilities: the defaults ({caps})")
            check(prop(f"{ROOT}/backend/card", "org.cardroute.BackendSlot1", "MaxResponse")
                  == "(<uint32 258>,)", "BackendSlot1.MaxResponse")
            check(wait_until(lambda: "(<uint64 1>,)" == prop(f"{ROOT}/route/r1", "org.cardroute.Route1",
                                                              "Transactions")), "Route1.Transactions counts")

            # a route made over D-Bus routes APDUs
            mon = subprocess.Popen(["gdbus", "monitor", "--session", "--dest", NAME],
                                   stdout=subprocess.PIPE, text=True)
            # the monitor subscribes before it looks the name up: once it says
            # who owns the name, no signal can slip past it
            lines = queue.Queue()
            reader = threading.Thread(target=lambda: [lines.put(l) for l in mon.stdout], daemon=True)
            reader.start()
            ready, collected = False, []
            while not ready:
                try:
                    collected.append(lines.get(timeout=20))
                except queue.Empty:
                    break
                ready = "is owned by" in collected[-1]
            check(bool(ready), "gdbus monitor is listening")
            r = call(f"{ROOT}/router", "org.cardroute.Router1.AddRoute", "modem-2", "sim.2", "viadbus",
                     "{'timeout_ms': <uint32 2500>, 'on_backend_loss': <'hold'>}")
            check(r.returncode == 0 and r.stdout.strip() == f"('viadbus', objectpath '{ROOT}/route/viadbus')",
                  f"AddRoute: {r.stdout.strip()} {r.stderr.strip()}")
            check(wait_until(lambda: "< 9000" in read_lines(f"{tmp}/modem.log")), "the route routes APDUs")
            check(read_lines(f"{tmp}/modem.log")[0] == "ATR 3B00", "the terminal got the ATR")
            check(prop(f"{ROOT}/route/viadbus", "org.cardroute.Route1", "TimeoutMs") == "(<uint32 2500>,)",
                  "the policy came through")
            check(wait_until(lambda: prop(f"{ROOT}/frontend/modem_2d2", "org.cardroute.FrontendSlot1",
                                          "Transactions") == "(<uint64 2>,)"), "slot counters")
            st, _, body = d.request("GET", "/api/v1/routes/viadbus")
            check(st == 200 and body["configured"] is False, "REST sees the D-Bus route")

            r = call(f"{ROOT}/router", "org.cardroute.Router1.AddRoute", "ghost", "sim.2", "", "{}")
            check(r.returncode != 0 and "org.cardroute.Error.NotFound" in r.stderr, "unknown slot: Error.NotFound")
            r = call(f"{ROOT}/router", "org.cardroute.Router1.AddRoute", "modem-2", "card", "", "{}")
            check(r.returncode != 0 and "org.cardroute.Error.Exists" in r.stderr, "routed slot: Error.Exists")
            r = call(f"{ROOT}/router", "org.cardroute.Router1.AddRoute", "modem-2", "card", "",
                     "{'colour': <'red'>}")
            check(r.returncode != 0 and "org.cardroute.Error.Invalid" in r.stderr and "colour" in r.stderr,
                  "unknown policy key: Error.Invalid naming it")
            r = call(f"{ROOT}/route/viadbus", "org.cardroute.Route1.Remove")
            check(r.returncode == 0, "Route1.Remove")
            check(wait_until(lambda: read_lines(f"{tmp}/modem.log")[-1:] == ["NOCARD"]), "the terminal saw the card go")
            r = gdbus("introspect", "--session", "--dest", NAME, "--object-path", ROOT, "--recurse")
            check("route/viadbus" not in r.stdout, "the route object is gone")
            r = call(f"{ROOT}/router", "org.cardroute.Router1.RemoveRoute", "viadbus")
            check(r.returncode != 0 and "org.cardroute.Error.NotFound" in r.stderr, "RemoveRoute unknown: NotFound")
            mon.terminate()
            mon.wait(timeout=30)
            reader.join(timeout=30)
            while not lines.empty():
                collected.append(lines.get_nowait())
            signals = "".join(collected)
            check("org.cardroute.Router1.RouteAdded ('viadbus', 'modem-2', 'sim.2')" in signals,
                  "RouteAdded signal")
            check("org.cardroute.Router1.CardChanged ('frontend', 'modem-2', 'present', '3B00')" in signals,
                  "CardChanged signal")
            check("org.cardroute.Router1.RouteRemoved ('viadbus',)" in signals, "RouteRemoved signal")
        finally:
            check(d.stop() == 0, "clean exit")

        # the session bus is read-only unless the INI says dbus-write = true
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "readonly",
                   ini(tmp, extra="").replace(f"{tmp}/term", f"{tmp}/ro-term").replace(f"{tmp}/modem", f"{tmp}/ro-modem"))
        try:
            check(d.wait_ready() and d.wait_log(f"D-Bus: {NAME} on the session bus"), "read-only: it owns its name")
            check(prop(f"{ROOT}/route/r1", "org.cardroute.Route1", "Configured") == "(<true>,)",
                  "read-only: properties are read")
            for path, method, args in [(f"{ROOT}/router", "org.cardroute.Router1.RemoveRoute", ["r1"]),
                                       (f"{ROOT}/route/r1", "org.cardroute.Route1.Remove", []),
                                       (f"{ROOT}/router", "org.cardroute.Router1.AddRoute",
                                        ["modem-2", "sim.2", "", "{}"])]:
                r = call(path, method, *args)
                check(r.returncode != 0 and "org.cardroute.Error.Auth" in r.stderr and "dbus-write" in r.stderr,
                      f"read-only: {method.rsplit('.', 1)[1]} refused ({r.stderr.strip()})")
            check(prop(f"{ROOT}/route/r1", "org.cardroute.Route1", "Name") == "(<'r1'>,)",
                  "read-only: the configured route is still there")
        finally:
            check(d.stop() == 0, "read-only: clean exit")

        # no session bus at all: a log line, not a failure
        env_bus = os.environ.pop("DBUS_SESSION_BUS_ADDRESS")
        saved_runtime = os.environ.pop("XDG_RUNTIME_DIR", None)
        try:
            d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "nobus", ini(tmp).replace(f"{tmp}/term", f"{tmp}/nb-term")
                       .replace(f"{tmp}/modem", f"{tmp}/nb-modem"))
            check(d.wait_ready(), "without a session bus cardrouted starts")
            check(d.wait_log("D-Bus: no session bus"), "and says D-Bus is off")
            check(d.stop() == 0, "clean exit without a bus")
        finally:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = env_bus
            if saved_runtime is not None:
                os.environ["XDG_RUNTIME_DIR"] = saved_runtime
    finish()


main()
