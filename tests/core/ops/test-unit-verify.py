#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardroute.service has the hardening the issue asks for and
`systemd-analyze verify` finds nothing wrong with it (offline: no running
systemd is needed). ExecStart points at the built daemon and MANPATH at the
built man pages, so the check of Documentation= works too.
Exits 77 (skip) without systemd-analyze.

Usage: test-unit-verify.py UNIT_FILE CARDROUTED MAN_PAGE..."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

unit, daemon, pages = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3:]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


with open(unit) as f:
    text = f.read()
for line in ["Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "DynamicUser=yes",
             "StateDirectory=cardroute", "ProtectSystem=strict", "PrivateTmp=yes",
             "NoNewPrivileges=yes", "DeviceAllow=char-usb_device rw", "SupplementaryGroups=plugdev"]:
    check(re.search("^" + re.escape(line) + "$", text, re.M) is not None, line)
# nothing runs before the operator wrote a configuration; D-Bus on the system bus
check(re.search(r"^ConditionPathExists=/\S+/cardroute/cardroute\.ini$", text, re.M) is not None,
      "ConditionPathExists on the operator's configuration")
check(re.search(r"^ExecStart=.* --dbus-default system$", text, re.M) is not None,
      "the system service defaults to the system bus")

analyze = shutil.which("systemd-analyze")
if analyze is None:
    print("skip: no systemd-analyze (Debian package systemd)")
    sys.exit(77 if not failures else 1)
with tempfile.TemporaryDirectory() as tmp:
    man = os.path.join(tmp, "man")
    for p in pages:
        d = os.path.join(man, "man" + p.rsplit(".", 1)[1])
        os.makedirs(d, exist_ok=True)
        shutil.copy(p, d)
    copy = os.path.join(tmp, "cardroute.service")
    with open(copy, "w") as f:
        f.write(re.sub(r"^ExecStart=\S+", "ExecStart=" + daemon, text, flags=re.M))
    env = dict(os.environ, MANPATH=man)
    r = subprocess.run([analyze, "verify", copy], capture_output=True, text=True, env=env,
                       timeout=60)
    print(r.stdout + r.stderr)
    check(r.returncode == 0 and r.stdout.strip() == "" and r.stderr.strip() == "",
          "systemd-analyze verify is clean")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
