#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs `cardroute-bench pcsc` against a private pcscd (as root, in private
namespaces). As a test: a short smoke run whose last line must be the JSON
object. By hand, for figures:
    sudo /usr/bin/python3 tests/pcsc/test-bench.py build/tests/bench/cardroute-bench \\
        --transactions 20000 --json
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

BENCH, ARGS = sys.argv[1], sys.argv[2:]


def main():
    with tempfile.TemporaryDirectory() as tmp:
        with pcscd.Pcscd(tmp, debug=False) as d:
            r = subprocess.run([BENCH, "pcsc", "--port", str(d.base_port),
                                "--reader-prefix", d.name + " 00 ", *ARGS],
                               capture_output=True, text=True, timeout=600, env=d.env())
    print(r.stdout, end="")
    print(r.stderr, end="", file=sys.stderr)
    lines = r.stdout.strip().splitlines()
    if "--json" in ARGS:
        obj = json.loads(lines[-1]) if lines else {}
        for key in ("scenario", "transactions", "tps", "p50_us", "p99_us", "single_tps",
                    "ratio"):
            if key not in obj:
                print(f"FAIL: the JSON line has no '{key}'")
                sys.exit(1)
        if obj["scenario"] != "pcsc" or obj["errors"] != 0:
            print("FAIL: wrong scenario or errors")
            sys.exit(1)
    sys.exit(r.returncode)


main()
