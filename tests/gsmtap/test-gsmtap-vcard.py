#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardrouted with the gsmtap tap writing a pcap of a GSM SIM session against
the virtual card (backend-vcard, data/vcard/default.ini): SELECT with 9Fxx and
GET RESPONSE, READ BINARY of EF.IMSI, STATUS. tshark must decode every frame
as GSM SIM, with the right instructions and status words, and no Malformed."""
import os
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gsmtaptest import check, failures, wait_for  # noqa: E402

CARDROUTED, PLUGIN_DIRS, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
TSHARK = os.environ.get("TSHARK", "")
# EF.IMSI of the default profile: 001010123456789
IMSI = "080910101032547698"


def main():
    if not TSHARK:
        print("no tshark")
        return 77
    commands = ["A0A40000023F00", "A0C0000000", "A0A40000027F20", "A0A40000026F07",
                "A0B0000009", "A0F2000000"]
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "term.log")
        pcap = os.path.join(tmp, "trace.pcap")
        ini = os.path.join(tmp, "test.ini")
        with open(ini, "w") as f:
            f.write("[router]\nrest =\n"
                    f"[backend:sim]\nplugin = vcard\nprofile = {PROFILE}\n"
                    "[frontend:term]\nplugin = script\n"
                    f"commands = {';'.join(commands)}\nlog = {log}\n"
                    "[route:r1]\nfrontend = term\nbackend = sim\n"
                    f"[tap:wireshark]\nplugin = gsmtap\nfile = {pcap}\nevents = atr,apdu\n")
        proc = subprocess.Popen([CARDROUTED, "--plugin-dir", PLUGIN_DIRS, "--config", ini],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            check(wait_for(log, "DONE", proc), "the terminal played its commands")
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        check(proc.returncode == 0, f"exit 0 after SIGTERM (got {proc.returncode})")
        with open(log) as f:
            lines = [l.strip() for l in f]
        print("\n".join("  term: " + l for l in lines))
        check(f"< {IMSI}9000" in lines, "READ BINARY of EF.IMSI through the core")

        res = subprocess.run([TSHARK, "-r", pcap, "-T", "fields", "-E", "separator=|",
                              "-e", "frame.protocols", "-e", "_ws.col.Info"],
                             capture_output=True, text=True, timeout=60)
        print("\n".join("  tshark: " + l for l in res.stdout.splitlines()))
        rows = res.stdout.strip().splitlines()
        check(res.returncode == 0, "tshark read the file")
        check("Malformed" not in res.stdout and "malformed" not in res.stdout,
              "no Malformed frame")
        check(all("gsmtap" in r.split("|")[0] and "gsm_sim" in r.split("|")[0] for r in rows),
              "every frame is GSMTAP / GSM SIM")
        info = "\n".join(r.split("|")[1] for r in rows)
        for name in ["SELECT", "READ BINARY", "STATUS"]:
            check(name in info, f"tshark names {name}")
        check(info.count("SELECT") >= 3, "three SELECTs (the first merged with its GET RESPONSE)")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
