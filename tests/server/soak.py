#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The soak: SOAK_APDUS numbered commands (default 10,000,000; `make soak`)
from a closed-loop terminal (test frontend `soak`) in the client daemon,
through backend-remote -> bank -> virtual card, over loopback, with the
client-bank link reset every SOAK_RESET_EVERY
commands (default 100,000; ss -K on the client's socket, so no proxy
slows the data path). make check runs 100,000 of them under ASan with
its leak checker (every daemon must exit 0).

Checked: every command got exactly one outcome (ok + errors == sent), no
answer was another command's (wrong == 0), the card saw no command twice
(the bank's card slot counts at most as many transactions as were sent),
the file descriptors of all three daemons are the same at the end as after
warm-up. Printed: RSS and fds of each daemon after warm-up and at the end,
the growth, the rate; with SOAK_STRICT=1 (make soak) an RSS growth of 1% or
more after warm-up fails the run.

usage: soak.py CARDROUTED PLUGIN_DIRS"""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chain import SFI, Chain  # noqa: E402
from srvtest import check, finish, wait_until  # noqa: E402

cardrouted, plugin_dirs = sys.argv[1:3]
APDUS = int(os.environ.get("SOAK_APDUS", "10000000"))
RESET_EVERY = int(os.environ.get("SOAK_RESET_EVERY", "100000"))
STRICT = os.environ.get("SOAK_STRICT") == "1"
LINE = re.compile(r"^(PROGRESS|DONE|STOPPED) sent=(\d+) ok=(\d+) errors=(\d+) wrong=(\d+) "
                  r"nocard=(\d+)")


def proc_figures(d):
    pid = d.proc.pid
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def last_report(path):
    found = None
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                m = LINE.match(line)
                if m:
                    found = (m.group(1),) + tuple(int(x) for x in m.groups()[1:])
    return found


def main():
    tmp = tempfile.mkdtemp(prefix="cr-soak-")
    log = os.path.join(tmp, "soak.log")
    chain = Chain(cardrouted, plugin_dirs, tmp, client_extra=f"""
[frontend:term]
plugin = soak
transactions = {APDUS}
report-every = {RESET_EVERY}
sfi = {SFI}
log = {log}
[route:soak]
frontend = term
backend = sim
timeout = 8000
""", direct_bank=True)
    resets, warm, rate_from = 0, None, None
    try:
        if not chain.wait_ready() or not chain.map():
            return
        t0 = time.monotonic()
        seen = 0
        # follow the terminal's reports: one link reset per report
        while True:
            r = None

            def progressed():
                nonlocal r
                r = last_report(log)
                return r is not None and (r[0] != "PROGRESS" or r[1] > seen)
            if not check(wait_until(progressed, 600),
                         f"the terminal reports progress (after {seen} commands)"):
                break
            if r[0] != "PROGRESS":
                break
            seen = r[1]
            if warm is None:
                warm = {name: proc_figures(d) for name, d in chain.daemons()}
                rate_from = (time.monotonic(), seen)
            resets += chain.reset_bank_link()
            print(f"progress: {seen} sent, {r[2]} ok, {r[3]} errors, {r[4]} wrong, "
                  f"{time.monotonic() - t0:.0f} s", flush=True)
        elapsed = time.monotonic() - t0
        end = {name: proc_figures(d) for name, d in chain.daemons()}
        card = chain.card_transactions()
    finally:
        codes = chain.stop()
    r = last_report(log)
    check(r is not None and r[0] == "DONE", f"the terminal finished ({r})")
    if r is None:
        finish()
    _, sent, ok, errors, wrong, nocard = r
    check(sent == APDUS, f"{APDUS} commands sent ({sent})")
    check(ok + errors == sent, f"every command had one outcome (ok {ok} + errors {errors})")
    check(wrong == 0, f"no answer to another command ({wrong})")
    check(card is not None and ok <= card <= sent,
          f"the card saw each command at most once (card {card}, sent {sent}, ok {ok})")
    check(all(c == 0 for c in codes.values()), f"all three exit 0, leak checker included ({codes})")
    print(f"figure: {sent} commands in {elapsed:.0f} s ({sent / elapsed:.0f}/s), {resets} link "
          f"resets, {errors} errors seen by the terminal, card gone {nocard} times")
    if warm is not None and rate_from is not None:
        for name in warm:
            (rss0, fd0), (rss1, fd1) = warm[name], end[name]
            growth = 100.0 * (rss1 - rss0) / rss0
            print(f"figure: {name}: RSS {rss0} kB after warm-up, {rss1} kB at the end "
                  f"({growth:+.2f}%); fds {fd0} -> {fd1}")
            check(fd1 == fd0, f"{name}: file descriptors flat ({fd0} -> {fd1})")
            if STRICT:
                check(growth < 1.0, f"{name}: RSS growth after warm-up under 1% ({growth:.2f}%)")
    finish()


if __name__ == "__main__":
    main()
