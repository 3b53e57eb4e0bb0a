#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs test-bank-replay in its PC/SC form: a private pcscd with vpcd (in
private namespaces), the replay card on vpcd's slot 0, the bank configured
with slots-csv and no backend section (it opens the reader itself).

usage: test-bank-replay-pcsc.py TEST_BANK_REPLAY VECTORS_DIR"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()

BIN, VECTORS = sys.argv[1], sys.argv[2]

if not os.path.isdir(os.path.join(VECTORS, "remsim", "decoded")):
    print("no captures: skipped")
    sys.exit(77)
with tempfile.TemporaryDirectory() as tmp:
    with pcscd.Pcscd(tmp, debug=False) as d:
        r = subprocess.run([BIN, "--vpcd-port", str(d.port(0)), "--reader", d.reader(0),
                            VECTORS], env=d.env(), timeout=120)
sys.exit(r.returncode)
