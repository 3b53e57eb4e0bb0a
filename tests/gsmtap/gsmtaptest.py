# SPDX-License-Identifier: GPL-2.0-or-later
"""What the gsmtap daemon tests share: checks that are counted, a bounded wait
for a line in the scripted terminal's log."""
import os
import time

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def wait_for(path, needle, proc, limit=30.0):
    """Waits until `needle` is a line in the file (bounded)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        exited = proc.poll() is not None  # before the read: its last line is in
        if os.path.exists(path):
            with open(path) as f:
                if any(line.strip() == needle for line in f):
                    return True
        if exited:
            return False
        time.sleep(0.02)
    return False
