#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardrouted with backend-remote against a tiny remsim-server and bankd written
here (IPA + DER by hand, from the fact sheet's tables): the "script" terminal
plays its commands through the bank and gets the bank's answers; the log says
what each peer did; SIGTERM ends it cleanly with both links open."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

CARDROUTED, PLUGIN_DIR = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + length + content


def integer(v, tag=0x02):
    return tlv(tag, v.to_bytes((v.bit_length() + 8) // 8, "big"))


def pdu(choice, content, tag=0):
    body = tlv(0x30, integer(2, 0x80) + integer(tag, 0x81) + tlv(0xA2, tlv(choice, content)))
    return (len(body) + 1).to_bytes(2, "big") + b"\xee\x07" + body


def identity(kind, software):
    return tlv(0x30, tlv(0x0A, bytes([kind])) + tlv(0x16, b"pytest") + tlv(0x80, software) +
               tlv(0x81, b"1.1.3"))


def parse(buf):
    """[(tag, content)] of a run of definite-length TLVs"""
    out, i = [], 0
    while i < len(buf):
        tag, n = buf[i], buf[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(buf[i:i + k], "big")
            i += k
        out.append((tag, buf[i:i + n]))
        i += n
    return out


CLIENT_SLOT = tlv(0x30, integer(7) + integer(0))
BANK_SLOT = tlv(0x30, integer(1) + integer(0))
FLAGS = tlv(0x30, tlv(0x01, b"\x00") * 4)
ATR = bytes.fromhex("3B9F96801FC78031E073FE211B633A204E8300900093")


class Peer(threading.Thread):
    """Accepts connections; answers PINGs; hands RSPRO PDUs to self.on_pdu."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.seen = []

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        buf = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while len(buf) >= 3 and len(buf) >= 3 + int.from_bytes(buf[:2], "big"):
                n = int.from_bytes(buf[:2], "big")
                proto, payload, buf = buf[2], buf[3:3 + n], buf[3 + n:]
                if proto == 0xFE and payload[:1] == b"\x00":
                    conn.sendall(b"\x00\x01\xfe\x01")
                elif proto == 0xEE and payload[:1] == b"\x07":
                    top = parse(parse(payload[1:])[0][1])
                    choice, content = parse(top[2][1])[0]
                    self.seen.append(choice)
                    for frame in self.on_pdu(choice, content):
                        conn.sendall(frame)


class Server(Peer):
    bank_port = 0

    def on_pdu(self, choice, content):
        if choice != 0xA2:  # connectClientReq
            return []
        res = pdu(0xA3, identity(1, b"remsim-server") + tlv(0x0A, b"\x00"), tag=2342)
        bank = tlv(0x30, tlv(0x80, bytes([127, 0, 0, 1])) + integer(self.bank_port))
        return [res, pdu(0xB1, BANK_SLOT + bank)]


class Bank(Peer):
    def on_pdu(self, choice, content):
        if choice == 0xA2:  # connectClientReq -> ok + setAtrReq
            return [pdu(0xA3, identity(2, b"remsim-bankd") + tlv(0x0A, b"\x00"), tag=2342),
                    pdu(0xAA, CLIENT_SLOT + tlv(0x04, ATR))]
        if choice == 0xAC:  # tpduModemToCard -> data after the header + 90 00
            tpdu = parse(content)[3][1]
            return [pdu(0xAD, BANK_SLOT + CLIENT_SLOT + FLAGS + tlv(0x04, tpdu[5:] + b"\x90\x00"))]
        return []


def wait_for(path, needle, proc, limit=30.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        exited = proc.poll() is not None  # before the read: its last line is in
        if os.path.exists(path):
            with open(path) as f:
                if any(line.startswith(needle) for line in f):
                    return True
        if exited:
            return False
        time.sleep(0.02)
    return False


def main():
    server, bank = Server(), Bank()
    server.bank_port = bank.port
    server.start()
    bank.start()
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "script.log")
        ini = os.path.join(tmp, "remote.ini")
        with open(ini, "w") as f:
            f.write(f"[router]\nrest =\n[backend:remote0]\nplugin = remote\nserver = 127.0.0.1:{server.port}\n"
                    "client-id = 7\nclient-slot = 0\n"
                    f"[frontend:term]\nplugin = script\n"
                    "commands = A0A40000023F00;00B0000002;00A40004023F0000\n"
                    f"log = {log}\n"
                    "[route:r1]\nfrontend = term\nbackend = remote0\n")
        proc = subprocess.Popen([CARDROUTED, "--plugin-dir", PLUGIN_DIR, "--config", ini],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            done = wait_for(log, "DONE", proc)
            check(done, "the script terminal played its commands")
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        print("\n".join("  daemon: " + line for line in out.splitlines()))
        with open(log) as f:
            lines = [line.strip() for line in f]
        print("\n".join("  log: " + line for line in lines))
    check(proc.returncode == 0, f"exit 0 after SIGTERM (got {proc.returncode})")
    check("ATR " + ATR.hex().upper() in lines, "the terminal got the bank's ATR")
    check(lines[lines.index("> A0A40000023F00") + 1] == "< 3F009000", "TPDU answered")
    check(lines[lines.index("> 00A40004023F0000") + 1] == "< 3F009000",
          "case 4 APDU answered (sent as a TPDU)")
    check("server 127.0.0.1:%d accepted connectClientReq" % server.port in out,
          "log: the server accepted us")
    check("bank 1 slot 0 (127.0.0.1:%d) accepted connectClientReq C7:0" % bank.port in out,
          "log: the bank accepted us")
    check(server.seen[:2] == [0xA2, 0xB2], "server saw connectClientReq, configClientBankRes")
    check(bank.seen.count(0xAC) == 3 and 0xAB in bank.seen, "bank saw setAtrRes and 3 TPDUs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
