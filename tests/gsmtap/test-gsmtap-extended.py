#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Extended APDUs in the GSMTAP trace: a terminal with extended lengths and
the extended-length virtual card (data/vcard/extended.ini), the gsmtap tap
writing a pcap. Every exchange is one whole frame (header, data, status
word; no length fields); tshark 4.0 reads each as GSM SIM with the right
instruction, offset and status word, and no Malformed, but shows only the
data bytes that P3 (a length's low byte) announces (plugins/tap-gsmtap/README.md)."""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gsmtaptest import check, failures, wait_for  # noqa: E402

CARDROUTED, PLUGIN_DIRS, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
TSHARK = os.environ.get("TSHARK", "")
PATTERN = bytes((i * 7 + 3) & 0xFF for i in range(300))
# IPv4 + UDP + GSMTAP headers in front of each payload in the pcap
HDRS = 20 + 8 + 16


def main():
    if not TSHARK:
        print("no tshark")
        return 77
    commands = ["00A4000C022F30",                         # SELECT 2F30
                "00B00000000010",                         # READ BINARY Le = 0010
                "00D6000000012C" + PATTERN.hex().upper(),  # UPDATE BINARY Lc = 012C
                "00B00000001000",                         # READ BINARY Le = 1000
                "10D6010002AABB", "00D6010002CCDD"]       # chained UPDATE BINARY
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "term.log")
        pcap = os.path.join(tmp, "trace.pcap")
        ini = os.path.join(tmp, "test.ini")
        with open(ini, "w") as f:
            f.write("[router]\nrest =\ndbus = none\n"
                    f"[backend:card]\nplugin = vcard\nprofile = {PROFILE}\n"
                    "[frontend:term]\nplugin = script\nextended = true\n"
                    f"commands = {';'.join(commands)}\nlog = {log}\n"
                    "[route:r1]\nfrontend = term\nbackend = card\n"
                    f"[tap:wireshark]\nplugin = gsmtap\nfile = {pcap}\nevents = apdu\n")
        proc = subprocess.Popen([CARDROUTED, "--plugin-dir", PLUGIN_DIRS, "--config", ini],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            check(wait_for(log, "DONE", proc), "the terminal played its commands")
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        check(proc.returncode == 0, f"exit 0 after SIGTERM (got {proc.returncode})")

        res = subprocess.run([TSHARK, "-r", pcap, "-T", "fields", "-E", "separator=|",
                              "-e", "frame.len", "-e", "frame.protocols",
                              "-e", "gsm_sim.apdu.ins", "-e", "gsm_sim.bin_offset",
                              "-e", "gsm_sim.le", "-e", "gsm_sim.apdu.sw",
                              "-e", "gsm_sim.apdu.data", "-e", "_ws.col.Info"],
                             capture_output=True, text=True, timeout=60)
        print("\n".join("  tshark: " + l[:160] for l in res.stdout.splitlines()))
        check(res.returncode == 0, "tshark read the file")
        rows = [r.split("|") for r in res.stdout.strip().splitlines()]
        check(len(rows) == len(commands), f"one frame per exchange ({len(rows)})")
        check("alformed" not in res.stdout, "no Malformed frame")
        check(all("gsm_sim" in r[1] for r in rows), "every frame is GSMTAP / GSM SIM")
        check(all(r[5] == "0x9000" for r in rows), "every status word is 9000")
        check([r[2] for r in rows] == ["0xa4", "0xb0", "0xd6", "0xb0", "0xd6", "0xd6"],
              "the instructions")
        if len(rows) == len(commands):
            # READ BINARY Le = 0010: whole and decoded
            check(rows[1][4] == "16" and rows[1][6] == "43415244524f55544520344bffffffff",
                  "READ BINARY of 16 bytes: tshark shows them")
            # UPDATE BINARY of 300 bytes: whole in the frame, tshark shows 0x2C of them
            check(int(rows[2][0]) - HDRS == 5 + 300 + 2, "UPDATE BINARY: 300 data bytes in the frame")
            check(rows[2][6] == PATTERN[:0x2C].hex(), "tshark shows Lc's low byte (44) of them")
            # READ BINARY of 4096 bytes: whole in the frame, tshark shows none
            check(int(rows[3][0]) - HDRS == 5 + 4096 + 2, "READ BINARY: 4096 data bytes in the frame")
            check(rows[3][4] == "0", "tshark reads Le as 0 (4096's low byte)")
            check(rows[4][7].startswith("1 UPDATE BINARY"),
                  "a chained command's class shows as '1'")
            check(rows[3][3] == "0" and rows[4][3] == "256", "offsets")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
