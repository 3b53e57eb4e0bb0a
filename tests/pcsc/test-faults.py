#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Faults on the PC/SC path, two daemons as in deployment:
A: backend-vcard -> frontend-vpcd slot 0 ("Virtual PCD 00 00"),
B: backend-pcsc on slot 0's reader -> frontend-vpcd slot 1 ("Virtual PCD 00 01"),
a PC/SC client on slot 1. Card removed while the client holds it (daemon A
stops), card re-inserted (A starts again), pcscd killed and restarted, the
vpcd connection dropped (ss -K): each time the client sees the right PC/SC
state and B keeps serving."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

from fixtures import pcsc  # noqa: E402
from fixtures.daemon import Daemon  # noqa: E402
from fixtures.loop import read_iccid, ICCID, ATR  # noqa: E402

CARDROUTED, PLUGIN_DIR, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
OK = ICCID + b"\x90\x00"
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def transmit_error(card):
    """The PC/SC error code a read gives, or 0 when it works."""
    try:
        read_iccid(card)
        return 0
    except pcsc.PcscError as e:
        return e.rv


def ini_a(d, latency=0):
    return ("[router]\nrest =\n"
            f"[backend:vcard0]\nplugin = vcard\nprofile = {PROFILE}\n"
            f"latency-ms = {latency}\n"
            f"[frontend:vpcd0]\nplugin = vpcd\nport = {d.base_port}\nslot = 0\n"
            "[route:r0]\nfrontend = vpcd0\nbackend = vcard0\n")


def ini_b(d):
    return ("[router]\nrest =\n"
            f"[backend:pcsc0]\nplugin = pcsc\nreader = ^{d.reader(0)}$\nshare = exclusive\n"
            f"[frontend:vpcd1]\nplugin = vpcd\nport = {d.base_port}\nslot = 1\n"
            "[route:r1]\nfrontend = vpcd1\nbackend = pcsc0\n")  # default policy: error


def fresh_read(d, what):
    """A new context and connection on slot 1 read EF.ICCID."""
    with pcsc.Context() as ctx:
        atr = ctx.wait_card(d.reader(1), True, 20)
        check(atr == ATR, f"{what}: the card is in {d.reader(1)}")
        if atr != ATR:
            return None
        card = ctx.connect(d.reader(1))
        check(read_iccid(card) == OK, f"{what}: EF.ICCID reads right")
        card.disconnect()


def retry_read(d, limit=40):
    """Until pcscd has seen the card leave and come back: a fresh read works."""
    for _ in range(limit):
        try:
            with pcsc.Context() as ctx:
                if ctx.wait_card(d.reader(1), True, 5) == ATR:
                    card = ctx.connect(d.reader(1))
                    data = read_iccid(card)
                    card.disconnect()
                    if data == OK:
                        return True
        except pcsc.PcscError as e:
            print(f"  (not yet: {e})")
        time.sleep(0.25)  # poll interval of a bounded retry, not a verdict
    return False


def main():
    with tempfile.TemporaryDirectory() as tmp:
        with pcscd.Pcscd(tmp) as d:
            a = Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini_a(d), "a").start()
            b = Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini_b(d), "b").start()
            daemons = [a, b]
            try:
                run(d, a, b, tmp, daemons)
            finally:
                for daemon in daemons:
                    rc = daemon.stop()
                    check(rc in (0, None), f"daemon {daemon.path} exits 0 (got {rc})")
                if failures:
                    for daemon in daemons:
                        print(f"---- {daemon.path}\n" + daemon.log())
                    print("---- pcscd\n" + d.log_tail())
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


def run(d, a, b, tmp, daemons):
    fresh_read(d, "start")

    # card removed while a client holds it
    with pcsc.Context() as ctx:
        ctx.wait_card(d.reader(1), True, 20)
        card = ctx.connect(d.reader(1), pcsc.SCARD_SHARE_EXCLUSIVE)
        check(read_iccid(card) == OK, "held: reads")
        mark = b.mark()
        a.stop()
        check(ctx.wait_card(d.reader(1), False, 20) == b"", "card removed: slot 1 empty")
        rv = transmit_error(card)
        check(rv in (pcsc.SCARD_W_REMOVED_CARD, pcsc.SCARD_E_NO_SMARTCARD),
              f"card removed: the holder gets 'removed' (0x{rv:08X})")
        check(b.wait_log("pcsc0: no card", since=mark), "B logs the removal")
        card.disconnect()
        # re-inserted
        a.start()
        atr = ctx.wait_card(d.reader(1), True, 20)
        check(atr == ATR, "card re-inserted: slot 1 has it again")
        card = ctx.connect(d.reader(1))
        check(read_iccid(card) == OK, "re-inserted: reads")
        card.disconnect()

    # the card's daemon dies while a command is in flight through B
    a.stop()
    with pcsc.Context() as ctx:
        check(ctx.wait_card(d.reader(1), False, 20) == b"", "in flight: old card gone")
    a = Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini_a(d, latency=3000), "a-slow").start()
    daemons.append(a)
    with pcsc.Context() as ctx:
        check(ctx.wait_card(d.reader(1), True, 20) == ATR, "in flight: the slow card is there")
        card = ctx.connect(d.reader(1))
        result = {}

        def slow_read():
            try:
                result["data"] = card.transmit("00A40004023F00")
            except pcsc.PcscError as e:
                result["rv"] = e.rv

        t = threading.Thread(target=slow_read)
        mark = b.mark()
        t.start()
        time.sleep(0.5)  # let the command reach the slow card (not a verdict)
        check(a.kill() is not None, "in flight: the card's daemon A is killed")
        t.join(30)
        check(not t.is_alive(), "in flight: the client's command returns")
        # vpcd turns a card connection lost mid-exchange into an empty answer
        # (bookworm), or the exchange fails; either way no card data
        check("rv" in result or result.get("data") in (b"", b"\x6f\x00"),
              f"in flight: the client gets a failure, not card data ({result})")
        check(b.wait_log("pcsc0: no card", since=mark), "in flight: B sees the card gone")
        card.disconnect()
        check(ctx.wait_card(d.reader(1), False, 20) == b"", "in flight: slot 1 empty")
    a = Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini_a(d), "a2").start()
    daemons.append(a)
    fresh_read(d, "after the in-flight loss")

    # pcscd killed and restarted
    mark = b.mark()
    d.kill()
    check(b.wait_log("pcscd went away", since=mark), "B logs that pcscd went away")
    d.start()
    check(b.wait_log("using reader", since=mark, timeout=20), "B finds the reader again")
    fresh_read(d, "pcscd restarted")
    check(b.alive() and a.alive(), "both daemons still run after the pcscd restart")

    # the vpcd connection dropped under a client
    if shutil.which("ss") is not None:
        with pcsc.Context() as ctx:
            ctx.wait_card(d.reader(1), True, 20)
            card = ctx.connect(d.reader(1))
            check(read_iccid(card) == OK, "before the drop: reads")
            mark = b.mark()
            subprocess.run(["ss", "-K", "dst", "127.0.0.1", "dport", "=", str(d.port(1))],
                           capture_output=True, timeout=10)
            check(b.wait_log("vpcd connection closed", since=mark),
                  "B logs the dropped vpcd connection")
            rv = 0
            for _ in range(50):  # until vpcd noticed (its next poll, ~0.4 s)
                rv = transmit_error(card)
                if rv != 0:
                    break
                time.sleep(0.1)
            # vpcd fails the exchange it was in, then reports the card removed
            check(rv in (pcsc.SCARD_W_REMOVED_CARD, pcsc.SCARD_E_NO_SMARTCARD,
                         pcsc.SCARD_E_NOT_TRANSACTED),
                  f"dropped: the holder's exchange fails (0x{rv:08X})")
            card.disconnect()
        check(retry_read(d), "after the vpcd drop: a new connection reads EF.ICCID")
    else:
        print("skip: no ss(8) for the vpcd drop")
    check(b.alive(), "B still serves")


main()
