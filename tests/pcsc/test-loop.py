#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The PC/SC loop through a private pcscd: backend-vcard -> frontend-vpcd slot 0
("Virtual PCD 00 00"), backend-pcsc on that reader -> frontend-vpcd slot 1
("Virtual PCD 00 01"), one cardrouted; a PC/SC client reads files of the
virtual card's profile through both readers and checks the bytes."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

from fixtures import pcsc  # noqa: E402
from fixtures.daemon import Daemon  # noqa: E402
from fixtures.loop import loop_ini, read_iccid, ICCID, ATR  # noqa: E402

CARDROUTED, PLUGIN_DIR, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        d = pcscd.Pcscd(tmp)
        # cardrouted first: pcscd and its readers appear later
        with Daemon(CARDROUTED, PLUGIN_DIR, tmp, loop_ini(d, PROFILE)) as cr:
            check(cr.wait_log("pcsc0: cannot reach pcscd"),
                  "without pcscd: backend-pcsc says so and retries")
            check(cr.wait_log("vpcd0: cannot reach vpcd"),
                  "without pcscd: frontend-vpcd says so and retries")
            with d:
                try:
                    with pcsc.Context() as ctx:
                        for slot in (0, 1):
                            reader = d.reader(slot)
                            atr = ctx.wait_card(reader, True)
                            check(atr == ATR, f"{reader}: the virtual card's ATR "
                                  f"({atr.hex() if atr else atr})")
                            card = ctx.connect(reader, pcsc.SCARD_SHARE_EXCLUSIVE)
                            check(card.status()[1] == ATR, f"{reader}: SCardStatus ATR")
                            data = read_iccid(card)
                            check(data == ICCID + b"\x90\x00",
                                  f"{reader}: EF.ICCID read: {data.hex() if data else data}")
                            card.reconnect(pcsc.SCARD_RESET_CARD)
                            check(read_iccid(card) == ICCID + b"\x90\x00",
                                  f"{reader}: read again after a warm reset")
                            card.reconnect(pcsc.SCARD_UNPOWER_CARD)
                            check(read_iccid(card) == ICCID + b"\x90\x00",
                                  f"{reader}: read again after a cold reset")
                            card.disconnect(pcsc.SCARD_UNPOWER_CARD)
                finally:
                    rc = cr.stop()
                    check(rc == 0, f"cardrouted exits 0 (got {rc})")
                    if failures:
                        print(cr.log())
                        print(d.log_tail())
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
