#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardroutectl migrate: every osmo-remsim command line in data/examples/*.cmdline
gives exactly the INI beside it, and cardrouted --check-config accepts each
example INI (with the bank's CSV next to it); unknown arguments are refused by
name; short, long and --long=value forms are understood.

usage: test-migrate.py CARDROUTED CARDROUTECTL PLUGIN_DIRS EXAMPLES_DIR"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

cardrouted, ctl, plugin_dirs, examples = sys.argv[1:5]
KINDS = {"osmo-remsim-server": "remsim-server", "osmo-remsim-bankd": "remsim-bankd",
         "osmo-remsim-client-st2": "remsim-client", "osmo-remsim-client-shell": "remsim-client"}
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def migrate(kind, args):
    return subprocess.run([ctl, "migrate", kind, "--"] + args, capture_output=True, text=True,
                          timeout=30)


def check_config(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([cardrouted, "--plugin-dir", plugin_dirs, "--check-config", path],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout + r.stderr


with tempfile.TemporaryDirectory() as tmp:
    shutil.copy(os.path.join(examples, "bankd_pcsc_slots.csv"), tmp)
    cmdlines = sorted(f for f in os.listdir(examples) if f.endswith(".cmdline"))
    check(len(cmdlines) >= 3, f"examples for server, bankd and client ({cmdlines})")
    for f in cmdlines:
        with open(os.path.join(examples, f)) as fh:
            line = next(l for l in fh if l.strip() and not l.startswith("#"))
        argv = shlex.split(line)
        r = migrate(KINDS[argv[0]], argv[1:])
        check(r.returncode == 0, f"{f}: cardroutectl migrate exits 0 ({r.stderr.strip()})")
        with open(os.path.join(examples, f.replace(".cmdline", ".ini"))) as fh:
            check(r.stdout == fh.read(), f"{f}: the output is the example INI beside it")
        rc, out = check_config(tmp, f + ".ini", r.stdout)
        check(rc == 0, f"{f}: cardrouted --check-config accepts the output ({out.strip()[-300:]})")
    with open(os.path.join(examples, "remsim-client-ifdhandler.ini")) as fh:
        rc, out = check_config(tmp, "ifd.ini", fh.read())
    check(rc == 0, f"the ifdhandler example INI is valid ({out.strip()[-200:]})")

    r = migrate("remsim-bankd", ["-i", "10.0.0.1", "-x", "--frobnicate", "7"])
    check(r.returncode == 2 and r.stdout == "" and "'-x'" in r.stderr
          and "'--frobnicate'" in r.stderr and "'7'" in r.stderr,
          f"unknown arguments are refused by name ({r.stderr.strip()})")
    r = migrate("remsim-bankd", ["-b", "2"])
    check(r.returncode == 2 and "-i/--server-host" in r.stderr,
          f"bankd without -i is refused as upstream HEAD does ({r.stderr.strip()})")
    r = migrate("remsim-bankd", ["--server-host=10.0.0.1", "--num-slots", "4", "-b3", "-s"])
    check(r.returncode == 0 and "server = 10.0.0.1:9998" in r.stdout and "slots = 4" in r.stdout
          and "bank-id = 3" in r.stdout and "pcsc-share = shared" in r.stdout,
          "long, --long=value and -xVALUE forms")
    r = migrate("remsim-client", ["-n", "abc"])
    check(r.returncode == 2 and "abc" in r.stderr, f"a bad number is named ({r.stderr.strip()})")
    r = migrate("remsim-frobd", [])
    check(r.returncode == 2 and "remsim-frobd" in r.stderr, "an unknown program is named")
    r = migrate("remsim-client", ["-i", "10.0.0.1", "-c", "5", "-n", "1", "-a", "3B9F96", "-r"])
    rc, out = check_config(tmp, "shell.ini", r.stdout)
    check(r.returncode == 0 and "atr-ignore = true" in r.stdout and rc == 0,
          f"a client with -a/-r gives a valid INI ({out.strip()[-200:]})")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
