#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The firmware simulator's phone over a WAN: simulated phone -> firmware core
-> socket -> frontend-simtrace2 -> backend-remote -> (server + bank, every
link through a fault proxy with latency and jitter each way) -> rspro-bank ->
backend-vcard (data/vcard/default.ini).

1. The phone powers up BEFORE the slotmap exists: the route's card is not
   there (`offer-card = present`, the default), so the phone must meet a mute
   slot (no ATR: it retries, then declares no SIM, as modems do), never the
   board's default ATR nor a card answering errors. Once the slotmap is made
   the card comes over the WAN, the frontend turns emulation on and pulses the
   modem reset, the phone boots and reads the card's ATR, and its gsm script
   passes. Between the two, the slotmap exists but the bank's slot has no card
   (its route to the card is made later): the bank answers the client
   cardNotPresent and the phone still sees no card.
3. The usim script then runs over the same links (a replug of the board).

Before that, on a local route whose card is absent, both values of
`offer-card`: `present` (no ATR, the phone declares no SIM) and `always` (the
board's default ATR, then the error status word).

"No wrong answers": every TPDU the phone completes (header, data, status
word) must be the same as in a reference run of the same script against the
same card profile routed locally; only the number of NULL bytes that kept
the phone waiting may differ. Every ATR the phone reads must be the card's.

Latency: WAN_LATENCY_MS (default 150) +- WAN_JITTER_MS (default 30) on every
link, each way. The 1,500 ms run of docs/fault-matrix.md is
`WAN_LATENCY_MS=1500 meson test -C build simtrace2-wan`; WAN_TRANSCRIPT=FILE
keeps the phone's transcripts."""
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from chain import Chain  # noqa: E402
from srvtest import Daemon, check, wait_until  # noqa: E402

CARDROUTED, ST2_SIM, PROFILE = (os.path.abspath(a) for a in sys.argv[1:3] + sys.argv[4:5])
PLUGIN_DIRS = ":".join(os.path.abspath(d) for d in sys.argv[3].split(":"))
LATENCY_MS = int(os.environ.get("WAN_LATENCY_MS", "150"))
JITTER_MS = int(os.environ.get("WAN_JITTER_MS", "30"))
VCARD_ATR = "3b 9f 96 80 1f c7 80 31 e0 73 fe 21 1b 63 3a 20 4e 83 00 90 00 93"
# a round trip client -> bank -> client, and more for the slotmap's way
RTT_S = 4 * (LATENCY_MS + JITTER_MS) / 1000.0
failures = []


def ok(cond, what):
    if not check(cond, what):
        failures.append(what)
    return cond


class Phone:
    """st2-sim listening on `sock`; its transcript is read as it comes."""

    def __init__(self, sock, script, timeout_s):
        self.lines = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([ST2_SIM, "--socket", sock, "--script", script,
                                      "--timeout", str(int(timeout_s))],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.lines.append(line.rstrip())

    def text(self):
        with self.lock:
            return list(self.lines)

    def wait_line(self, pred, limit):
        return wait_until(lambda: any(pred(l) for l in self.text()) or
                          self.proc.poll() is not None and not self.reader.is_alive() and
                          any(pred(l) for l in self.text()), limit) and \
            any(pred(l) for l in self.text())

    def wait(self, limit):
        try:
            rc = self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(timeout=10)
        return rc

    def tpdus(self):
        """What the phone saw of each TPDU, without the NULL count."""
        return [re.sub(r" \(\d+ NULL\)$", "", l) for l in self.text() if l.startswith("TPDU ")]

    def nulls(self):
        return [int(m.group(1)) for l in self.text()
                for m in [re.search(r" \((\d+) NULL\)$", l)] if l.startswith("TPDU ") and m]

    def atrs(self):
        return [l[4:] for l in self.text() if l.startswith("ATR ")]


def reference(tmp, script):
    """The script against the same card routed locally: what the phone must see."""
    sock = os.path.join(tmp, f"ref-{script}.sock")
    phone = Phone(sock, script, 60)
    while not os.path.exists(sock) and phone.proc.poll() is None:
        time.sleep(0.01)
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, f"ref-{script}", f"""[router]
dbus = none
[backend:card]
plugin = vcard
profile = {PROFILE}
[frontend:phone]
plugin = simtrace2
device = sim:{sock}
[route:r1]
frontend = phone
backend = card
""")
    try:
        rc = phone.wait(90)
    finally:
        d.stop()
    ok(rc == 0 and phone.tpdus(), f"reference: '{script}' passes on a local route "
       f"({len(phone.tpdus())} TPDUs)")
    return phone.tpdus()


def same_answers(phone, ref, what):
    got = phone.tpdus()
    if not ok(got == ref, f"{what}: the phone saw the same {len(ref)} TPDUs as on a local "
              "route (no wrong answer, none answered to another command)"):
        for a, b in zip(got, ref):
            if a != b:
                print(f"  got:  {a}\n  want: {b}")
                break
        print(f"  ({len(got)} TPDUs, reference {len(ref)})")
    ok(all(a == VCARD_ATR for a in phone.atrs()) and phone.atrs(),
       f"{what}: every ATR the phone read is the card's ({phone.atrs()[:3]})")
    if os.environ.get("WAN_TRANSCRIPT"):
        with open(os.environ["WAN_TRANSCRIPT"], "a") as f:
            f.write(f"--- {what}\n" + "\n".join(phone.text()) + "\n")
    n = phone.nulls()
    if n:
        print(f"{what}: NULL bytes per TPDU: min {min(n)} max {max(n)} total {sum(n)}")


def local_policies(tmp):
    """Both values of `offer-card` on a local route whose card is absent."""
    for offer in ("present", "always"):
        sock = os.path.join(tmp, f"pol-{offer}.sock")
        phone = Phone(sock, "gsm", 60)
        while not os.path.exists(sock) and phone.proc.poll() is None:
            time.sleep(0.01)
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, f"pol-{offer}", f"""[router]
dbus = none
[backend:card]
plugin = vcard
profile = {PROFILE}
present = false
[frontend:phone]
plugin = simtrace2
device = sim:{sock}
[route:r1]
frontend = phone
backend = card
offer-card = {offer}
""")
        try:
            if offer == "present":
                ok(phone.wait_line(lambda l: l.startswith("phone: no SIM after"), 30)
                   and not phone.atrs() and not phone.tpdus(),
                   "offer-card = present, no card: no ATR, the phone declares no SIM")
            else:
                ok(phone.wait_line(lambda l: l.startswith("TPDU "), 30) and
                   phone.atrs() and phone.atrs()[0] != VCARD_ATR and
                   phone.tpdus()[0].endswith("-> 6f00"),
                   "offer-card = always, no card: the board's default ATR "
                   f"({phone.atrs()[:1]}), then the error status "
                   f"({phone.tpdus()[:1]})")
        finally:
            if phone.proc.poll() is None:
                phone.proc.kill()
            phone.wait(10)
            d.stop()


def main():
    refs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for script in ("gsm", "usim"):
            refs[script] = reference(tmp, script)
        local_policies(tmp)
        sock = os.path.join(tmp, "st2.sock")
        script_s = 120 + 60 * RTT_S
        # the phone (and its board) are there first: it powers up as soon as
        # the frontend connects, long before the slotmap is made
        phone = Phone(sock, "gsm", script_s + 60)
        while not os.path.exists(sock) and phone.proc.poll() is None:
            time.sleep(0.01)
        timeout_ms = int(4000 + 8 * (LATENCY_MS + JITTER_MS))
        keepalive = (f"keepalive-interval-ms = {timeout_ms}\n"
                     f"keepalive-timeout-ms = {timeout_ms}\n")
        chain = Chain(CARDROUTED, PLUGIN_DIRS, tmp, keepalive=keepalive, bank_profile=PROFILE,
                      bank_route=False, client_extra=f"""
[frontend:phone]
plugin = simtrace2
device = sim:{sock}
[route:wan]
frontend = phone
backend = sim
""")
        for p in chain.proxies.values():
            p.latency(LATENCY_MS, jitter=JITTER_MS)
        print(f"every link: {LATENCY_MS} ms +- {JITTER_MS} ms each way")
        try:
            if not chain.wait_ready():
                failures.append("the chain runs")
                return 1
            # 1. no slotmap yet: the phone must see no card at all
            ok(chain.client.wait_log("phone: no card routed yet: the phone sees no card"),
               "no card yet: the frontend keeps the phone's slot mute")
            ok(phone.wait_line(lambda l: l.startswith("phone: no SIM after"), 30),
               "the phone powered the slot up, got no ATR, and declared no SIM")
            ok(not phone.atrs(), f"no ATR before the card is there ({phone.atrs()})")
            ok(not phone.tpdus(), "no command before the card is there")
            ok(chain.map(), "slotmap made after the phone powered up")
            # 2. the slotmap is there, the bank's card is not (its slot has
            # no route yet): the bank answers cardNotPresent, the phone still
            # sees no card
            ok(chain.client.wait_log("cardNotPresent", timeout=20 + 4 * RTT_S),
               "the bank answers the client cardNotPresent while its card is not there")
            ok(not phone.atrs() and not phone.tpdus(),
               "the phone still sees no card (no ATR, no command)")
            t0 = time.monotonic()
            ok(chain.route_bank(), "the bank's card comes")
            ok(chain.client.wait_log("phone: card present: emulation on, modem reset",
                                     timeout=20 + 4 * RTT_S),
               "the card came over the WAN: emulation on, modem reset pulsed")
            ok(phone.wait_line(lambda l: l.startswith("ATR "), 20 + 4 * RTT_S),
               "after the modem reset the phone read an ATR")
            print(f"card in the phone {time.monotonic() - t0:.2f} s after the bank's card came")
            rc = phone.wait(script_s + 60)
            ok(rc == 0, f"'gsm' passed over the WAN (rc {rc}), "
               f"{time.monotonic() - t0:.1f} s after the bank's card came")
            text = phone.text()
            i_nosim = next((i for i, l in enumerate(text) if l.startswith("phone: no SIM")), -1)
            i_reset = next((i for i, l in enumerate(text) if l.startswith("modem reset 2")
                            and i > i_nosim), -1)
            i_atr = next((i for i, l in enumerate(text) if l.startswith("ATR ")), -1)
            ok(0 <= i_nosim < i_reset < i_atr,
               "in order: no SIM, modem reset pulse, then the card's ATR")
            same_answers(phone, refs["gsm"], "'gsm' over the WAN")
            if rc != 0:
                print("\n".join("  st2-sim: " + l for l in text[-30:]))

            # 3. the usim script: the board comes again, the card is there
            ok(chain.client.wait_log("phone: down"), "the simulator's exit is an unplug")
            t0 = time.monotonic()
            phone = Phone(sock, "usim", script_s)
            rc = phone.wait(script_s + 30)
            ok(rc == 0, f"'usim' passed over the WAN (rc {rc}, {time.monotonic() - t0:.1f} s)")
            same_answers(phone, refs["usim"], "'usim' over the WAN")
            if rc != 0:
                print("\n".join("  st2-sim: " + l for l in phone.text()[-30:]))
        finally:
            if phone.proc.poll() is None:
                phone.proc.kill()
                phone.wait(10)
            codes = chain.stop()
        ok(all(c == 0 for c in codes.values()), f"the daemons exit 0 ({codes})")
        out = chain.client.output()
        ok("CRITICAL" not in out, "no criticals in the client's log")
        ok("OUT transfer failed" not in out, "no OUT transfer failed")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
