#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardrouted with the gsmtap tap: a scripted terminal (frontend-script) talks
to an echo card (backend-echo); the tap sends GSMTAP to a UDP socket of this
test on loopback and writes a pcap file. Checks the datagrams byte by byte and,
when tshark is there, that it decodes the file without "Malformed"."""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gsmtaptest import check, failures, wait_for  # noqa: E402

CARDROUTED, PLUGIN_DIRS = sys.argv[1], sys.argv[2]
TSHARK = os.environ.get("TSHARK", "")
ATR = "3B9F96801FC78031A073BE21136743200718000001A5"


def receive_all(sock):
    frames = []
    sock.settimeout(0.5)
    while True:
        try:
            frames.append(sock.recv(65535))
        except socket.timeout:
            return frames


def main():
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "term.log")
        pcap = os.path.join(tmp, "trace.pcap")
        ini = os.path.join(tmp, "test.ini")
        with open(ini, "w") as f:
            f.write("[router]\nrest =\n"
                    f"[backend:card]\nplugin = echo\natr = {ATR}\n"
                    "[frontend:term]\nplugin = script\n"
                    "commands = A0A40000023F00;A0B0000002;A0F2000016\n"
                    f"log = {log}\n"
                    "[route:r1]\nfrontend = term\nbackend = card\n"
                    "[tap:wireshark]\nplugin = gsmtap\n"
                    f"destination = 127.0.0.1:{port}\nfile = {pcap}\n")
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
        print("\n".join("  daemon: " + l for l in out.splitlines()))
        check(proc.returncode == 0, f"exit 0 after SIGTERM (got {proc.returncode})")
        check("wireshark: tracing to udp:127.0.0.1:" in out, "the tap says where it traces")

        frames = receive_all(rx)
        kinds = []
        for i, d in enumerate(frames):
            ver, hlen, typ, ts, arfcn, _, _, fn, sub, ant, subslot, _ = \
                struct.unpack(">BBBBHbbIBBBB", d[:16])
            check(ver == 2 and hlen == 4 and ts == 0 and ant == 0,
                  f"frame {i}: GSMTAP v2 header")
            check(arfcn == 1 and subslot == 1 and fn == i,
                  f"frame {i}: route index 1, frame number {i} (got {arfcn}, {subslot}, {fn})")
            kinds.append((typ, sub, d[16:]))
        want = [
            (0x10, 0, None),  # route made (log)
            (0x04, 1, bytes.fromhex(ATR)),
            (0x04, 0, bytes.fromhex("A0A40000023F00" "3F00" "9000")),
            (0x04, 0, bytes.fromhex("A0B0000000" "9000")),
            (0x04, 0, bytes.fromhex("A0F2000000" "9000")),
        ]
        check(len(kinds) == len(want), f"{len(want)} frames received (got {len(kinds)})")
        for i, (w, k) in enumerate(zip(want, kinds)):
            check(k[0] == w[0] and k[1] == w[1], f"frame {i}: type/sub-type {w[0]:#x}/{w[1]}")
            if w[2] is not None:
                check(k[2] == w[2], f"frame {i}: payload {w[2].hex()} (got {k[2].hex()})")
        if kinds:
            check(b"r1: route term -> card (index 1)" in kinds[0][2],
                  "the log frame names the route")

        if not TSHARK:
            print("no tshark: pcap not decoded")
        else:
            res = subprocess.run([TSHARK, "-r", pcap, "-T", "fields", "-E", "separator=|",
                                  "-e", "frame.protocols", "-e", "udp.srcport",
                                  "-e", "gsm_sim.apdu.ins", "-e", "gsm_sim.apdu.sw",
                                  "-e", "_ws.col.Info"],
                                 capture_output=True, text=True, timeout=60)
            print("\n".join("  tshark: " + l for l in res.stdout.splitlines()))
            lines = res.stdout.strip().splitlines()
            check(res.returncode == 0, "tshark read the file")
            check(len(lines) == len(want), f"{len(want)} frames in the pcap (got {len(lines)})")
            check("Malformed" not in res.stdout, "no Malformed frame")
            check(all(l.split("|")[1] == "30001" for l in lines), "UDP source port 30001")
            check(len(lines) == 5 and "gsmtap_log" in lines[0]
                  and "SELECT" in lines[2] and "0x9000" in lines[2]
                  and "READ BINARY" in lines[3] and "STATUS" in lines[4],
                  "SELECT, READ BINARY, STATUS decoded")
            # tshark 4.0 ignores the SIM sub-type: the README's filters pick
            # the ATR frames out (and hide them)
            atr = subprocess.run([TSHARK, "-r", pcap, "-Y",
                                  "udp.payload[2] == 4 && udp.payload[12] == 1",
                                  "-T", "fields", "-e", "udp.payload"],
                                 capture_output=True, text=True, timeout=60)
            rest = subprocess.run([TSHARK, "-r", pcap, "-Y",
                                   "!(udp.payload[2] == 4 && udp.payload[12] == 1)",
                                   "-T", "fields", "-e", "_ws.col.Info"],
                                  capture_output=True, text=True, timeout=60)
            atr_lines = atr.stdout.strip().splitlines()
            check(atr.returncode == 0 and len(atr_lines) == 1
                  and atr_lines[0][24:26] == "01" and atr_lines[0][32:34] == "3b",
                  f"the documented filter selects the ATR frame: {atr_lines}")
            check(rest.returncode == 0 and len(rest.stdout.strip().splitlines()) == len(lines) - 1,
                  "the documented negated filter hides it")
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
