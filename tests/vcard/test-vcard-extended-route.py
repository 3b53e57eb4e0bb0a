#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extended APDUs end to end through cardrouted: a terminal that carries
extended lengths (the test frontend "script" with extended = true) routed to
the extended-length virtual card (data/vcard/extended.ini): READ BINARY with
Le = 1000 and Le = 0000, UPDATE BINARY with Lc = 3000, command chaining, GET
RESPONSE, answers byte for byte. A T=0 terminal with short APDUs routed to the
same kind of card gets 6700 for an extended command, which never reaches the
card, and the daemon logs it once however often the terminal repeats it."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures.daemon import Daemon  # noqa: E402

CARDROUTED, PLUGIN_DIRS, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []

# EF 2F30 of the profile: "CARDROUTE 4K", then FF
IMAGE = bytearray(b"CARDROUTE 4K" + b"\xff" * (4096 - 12))
PATTERN = bytes((i * 7 + 3) & 0xFF for i in range(3000))


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def wait_lines(path, needle, count, daemon, limit=30.0):
    """Waits until `needle` is `count` lines of the file (bounded)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if not daemon.alive():
            return False
        if os.path.exists(path):
            with open(path) as f:
                if sum(1 for line in f if line.strip() == needle) >= count:
                    return True
        time.sleep(0.02)
    return False


def responses(path):
    with open(path) as f:
        return [line.strip()[2:] for line in f if line.startswith("< ")]


def main():
    ext = [
        "00A4000C022F30",                              # SELECT 2F30, no data
        "00B00000001000",                              # READ BINARY Le = 1000
        "00D60000000BB8" + PATTERN.hex().upper(),      # UPDATE BINARY Lc = 3000
        "00B00000000000",                              # READ BINARY Le = 0000
        "10D6010002AABB", "00D6010002CCDD",            # chained UPDATE BINARY
        "00B00100000004",                              # READ BINARY Le = 0004
        "00A40004022F30", "00C00000000000",            # SELECT with FCP, GET RESPONSE
    ]
    short = ["00B00000001000", "00A4000C022F30", "00B0000004"]
    with tempfile.TemporaryDirectory() as tmp:
        log_ext = os.path.join(tmp, "ext.log")
        log_t0 = os.path.join(tmp, "t0.log")
        ini = ("[router]\nrest =\ndbus = none\n"
               f"[backend:card]\nplugin = vcard\nprofile = {PROFILE}\n"
               f"[backend:card2]\nplugin = vcard\nprofile = {PROFILE}\n"
               "[frontend:ext]\nplugin = script\nextended = true\n"
               f"commands = {';'.join(ext)}\nlog = {log_ext}\n"
               "[frontend:t0]\nplugin = script\nrepeat = 3\n"
               f"commands = {';'.join(short)}\nlog = {log_t0}\n"
               "[route:r1]\nfrontend = ext\nbackend = card\n"
               "[route:r2]\nfrontend = t0\nbackend = card2\n")
        daemon = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, ini).start()
        try:
            check(wait_lines(log_ext, "DONE", 1, daemon), "the extended terminal played its commands")
            check(wait_lines(log_t0, "DONE", 1, daemon), "the T=0 terminal played its commands 3 times")
        finally:
            rc = daemon.stop()
        check(rc == 0, f"exit 0 after SIGTERM (got {rc})")

        got = responses(log_ext)
        check(len(got) == len(ext), f"{len(ext)} answers (got {len(got)})")
        got += [""] * (len(ext) - len(got))
        check(got[0] == "9000", "SELECT 2F30")
        check(got[1] == IMAGE.hex().upper() + "9000", "READ BINARY Le = 1000: 4096 bytes, exact")
        check(got[2] == "9000", "UPDATE BINARY Lc = 3000")
        IMAGE[0:3000] = PATTERN
        check(got[3] == IMAGE.hex().upper() + "9000", "READ BINARY Le = 0000: the file, exact")
        check(got[4] == "9000" and got[5] == "9000", "chained UPDATE BINARY")
        check(got[6] == "AABBCCDD9000", "the chain wrote its data once, in order")
        check(got[7].startswith("61"), "SELECT with FCP: 61xx")
        fcp_len = int(got[7][2:], 16) if got[7].startswith("61") else -1
        check(len(got[8]) == 2 * (fcp_len + 2) and got[8].startswith("62")
              and "80021000" in got[8] and got[8].endswith("9000"),
              "GET RESPONSE Le = 0000: the FCP, file size 1000")

        with open(log_t0) as f:
            t0 = [l.strip() for l in f]
        print("\n".join("  t0: " + l for l in t0[:8]))
        got = responses(log_t0)
        check(got == ["6700", "9000", "434152449000"] * 3,
              "T=0 terminal: 6700 for the extended READ BINARY, short commands answered")
        why = [l for l in t0 if l.startswith("! ")]
        check(len(why) == 3 and all("refused with 6700" in l for l in why),
              "the terminal's outcome says why, each time")
        with open(daemon.logfile) as f:
            lines = [l.rstrip("\n") for l in f]
        refusals = [l for l in lines if "refused with 6700" in l and "repeated" not in l]
        for l in refusals:
            print("  log: " + l)
        check(len(refusals) == 1, f"one log line for three refusals (got {len(refusals)})")
        check(len(refusals) == 1 and "r2: extended C-APDU of 7 bytes" in refusals[0]
              and "frontend slot t0 cannot carry extended length fields" in refusals[0],
              "the log line names the route and the end that limits it")
        check(not any("t0: transaction" in l and "6700" in l for l in lines),
              "no second, unlimited line per refusal")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
