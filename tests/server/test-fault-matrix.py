#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The fault matrix: three cardrouted processes (client with backend-remote,
server with rspro-server, bank with rspro-bank in front of a virtual card),
each of their three links through a fault proxy (tests/fixtures/faultproxy.py,
real bytes, real programs). For every link and every fault, the terminal
(the client's REST APDU shell) keeps sending commands whose answers name the
command (READ BINARY by SFI at offset N of an EF holding 00 01 02 ...):

* never a wrong answer (an answer to another command, or bytes that are not
  the card's);
* never a command sent twice to the card (the bank's card slot counts no
  more transactions than the terminal sent);
* after the fault ends, traffic comes back (bounded wait, generous); how
  long it took is a figure.

The table is printed and written to FAULT_MATRIX_OUT (default
fault-matrix.md in the build directory's test log folder); docs/fault-matrix.md
is a copy of a run. Keepalives are shortened for the test (1 s interval, 2 s
timeout on every role that has the keys) so half-open links are found
quickly; the table says so.

usage: test-fault-matrix.py CARDROUTED PLUGIN_DIRS"""
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chain import SFI, Chain, expected  # noqa: E402
from srvtest import check, finish, wait_until  # noqa: E402

cardrouted, plugin_dirs = sys.argv[1:3]
FAULT_SECONDS = float(os.environ.get("FAULT_SECONDS", "3"))
RECOVERY_LIMIT = 60.0


class Terminal:
    """The client's APDU shell as a terminal; counts what it saw."""

    def __init__(self, client):
        self.client = client
        self.sent = self.ok = self.errors = self.wrong = 0
        self.wrong_examples = []
        self.latencies = []

    def one(self):
        off = random.randrange(0, 256)
        apdu = f"00B0{0x80 | SFI:02X}{off:02X}08"
        want = expected(off)
        self.sent += 1
        t0 = time.monotonic()
        try:
            st, _, body = self.client.request("POST", "/api/v1/backends/sim/apdu",
                                              body={"apdu": apdu})
        except OSError:
            st, body = None, None
        if st == 200 and isinstance(body, dict):
            got = body.get("response", "").upper()
            if got == want:
                self.ok += 1
                self.latencies.append(time.monotonic() - t0)
                return True
            # an answer that is not this command's: a status word alone (the
            # route's error status) is allowed, data that is not ours never
            if len(got) == 4 and not got.startswith("90"):
                self.errors += 1
                return False
            self.wrong += 1
            self.wrong_examples.append((apdu, got))
            return False
        self.errors += 1
        return False

    def run_for(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.one()

    def recover(self, limit):
        """Seconds until the first right answer, or None."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if self.one():
                return time.monotonic() - t0
        return None


def main():
    random.seed(int(os.environ.get("FAULT_SEED", "7")))
    tmp = tempfile.mkdtemp(prefix="cr-faults-")
    chain = Chain(cardrouted, plugin_dirs, tmp)
    client = chain.client
    rows = []
    try:
        if not chain.wait_ready() or not chain.map():
            return
        term = Terminal(client)
        if not check(term.recover(30) is not None, "the first APDU is answered"):
            print(client.output()[-3000:])
            return

        faults = [
            ("latency 150 +-30 ms each way", lambda p: p.latency(150, 30), False),
            ("rate 2 kB/s each way", lambda p: p.rate(2000), False),
            (f"stall {FAULT_SECONDS:.0f} s", lambda p: p.stall(), False),
            ("reset (RST both ways)", lambda p: p.reset(), True),
            ("half-open (silence, no FIN)", lambda p: p.half_open(), True),
            ("close after 40 bytes", lambda p: p.close_after(40), True),
        ]
        for link, proxy in chain.proxies.items():
            for name, apply, instant in faults:
                # a clean start for each cell
                proxy.clear()
                if term.recover(RECOVERY_LIMIT) is None:
                    check(False, f"{link} / {name}: traffic before the fault")
                    continue
                before = (term.sent, term.ok, term.errors, term.wrong)
                card_before = chain.card_transactions()
                accepted_before = proxy.accepted
                t_apply = time.monotonic()
                apply(proxy)
                if instant:
                    t_fault = time.monotonic()
                else:
                    term.run_for(FAULT_SECONDS)
                    proxy.clear()
                    t_fault = time.monotonic()
                recovery = term.recover(RECOVERY_LIMIT)
                if recovery is not None:
                    recovery = time.monotonic() - t_fault
                relink = None
                if instant:
                    # the link itself: when did the peer connect again?
                    wait_until(lambda: proxy.accepted > accepted_before, RECOVERY_LIMIT)
                if proxy.accepted > accepted_before:
                    relink = proxy.last_accept - t_apply
                sent = term.sent - before[0]
                ok = term.ok - before[1]
                errors = term.errors - before[2]
                wrong = term.wrong - before[3]
                card = chain.card_transactions()
                card_delta = None if card is None or card_before is None else card - card_before
                check(wrong == 0, f"{link} / {name}: no wrong answer ({term.wrong_examples[-3:]})")
                check(card_delta is not None and card_delta <= sent,
                      f"{link} / {name}: no command reached the card twice "
                      f"(card saw {card_delta}, terminal sent {sent})")
                check(recovery is not None,
                      f"{link} / {name}: traffic comes back (within {RECOVERY_LIMIT:.0f} s)")
                if instant:
                    check(relink is not None, f"{link} / {name}: the link is made again")
                rows.append((link, name, sent, ok, errors, wrong, card_delta, recovery, relink))
                print(f"figure: {link} / {name}: sent {sent}, answered {ok}, errors {errors}, "
                      f"wrong {wrong}, card saw {card_delta}, recovery "
                      f"{'-' if recovery is None else f'{recovery:.2f} s'}, link re-made "
                      f"{'-' if relink is None else f'{relink:.2f} s'}", flush=True)
    finally:
        codes = chain.stop()
        check(all(c == 0 for c in codes.values()), f"all three exit cleanly ({codes})")
    write_table(rows)
    finish()


def write_table(rows):
    out = os.environ.get("FAULT_MATRIX_OUT",
                         os.path.join(os.environ.get("MESON_BUILD_ROOT", "."), "fault-matrix.md"))
    lines = [
        "<!-- SPDX-License-Identifier: GPL-2.0-or-later -->",
        "# Fault matrix: what a terminal sees when a link between the roles misbehaves",
        "",
        "Produced by `tests/server/test-fault-matrix.py` (suite `server`, in `make check`):",
        "client (backend-remote, the REST APDU shell as terminal), server (rspro-server) and",
        "bank (rspro-bank + backend-vcard), each link through a fault proxy. Keepalives: 1 s",
        "interval, 2 s timeout (client, server and the bank's own server link).",
        "`apdu-timeout` 8 s. Faults that last (latency, rate, stall) are held",
        f"{FAULT_SECONDS:.0f} s and then cleared; the others are events. *Answers back* is the",
        "time from the fault's end (or the event) to the terminal's next right answer;",
        "*link re-made* the time from the fault's start (or the event) until the peer",
        "connected again through the proxy (none: the link was never lost).",
        "",
        "Asserted in every cell: no wrong answer, no command seen twice by the card,",
        "traffic comes back. Everything else is a measurement of one run on a shared",
        "2-core machine.",
        "",
        "| link | fault | sent | answered | errors seen | wrong | card saw | answers back "
        "| link re-made |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for link, name, sent, ok, errors, wrong, card, rec, relink in rows:
        lines.append(f"| {link} | {name} | {sent} | {ok} | {errors} | {wrong} | "
                     f"{'?' if card is None else card} | "
                     f"{'never' if rec is None else f'{rec:.2f} s'} | "
                     f"{'none' if relink is None else f'{relink:.2f} s'} |")
    lines.append("")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print(f"table written to {out}")


if __name__ == "__main__":
    main()
