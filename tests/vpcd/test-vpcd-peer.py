#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""frontend-vpcd against a fake vpcd (this script), no pcscd needed:
presence polls, power, APDUs, a malformed frame, dropped connections,
vpcd going away and coming back, listen mode (one peer at a time), an
unrouted slot."""
import os
import select
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures.daemon import Daemon  # noqa: E402
from fixtures.ports import free_port  # noqa: E402

CARDROUTED, PLUGIN_DIR = sys.argv[1], sys.argv[2]
ATR = bytes.fromhex("3B021450")
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def listener(port=0):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


def accept(server, timeout=10.0):
    r, _, _ = select.select([server], [], [], timeout)
    if not r:
        return None
    conn, _ = server.accept()
    conn.settimeout(10.0)
    return conn


def send(conn, payload):
    conn.sendall(struct.pack(">H", len(payload)) + payload)


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_frame(conn):
    try:
        head = recv_exact(conn, 2)
        if head is None:
            return None
        return recv_exact(conn, struct.unpack(">H", head)[0])
    except (socket.timeout, ConnectionResetError):
        return None


def ask(conn, payload):
    send(conn, payload)
    return recv_frame(conn)


def closed_by_peer(conn, timeout=10.0):
    r, _, _ = select.select([conn], [], [], timeout)
    if not r:
        return False
    try:
        return conn.recv(1) == b""
    except ConnectionResetError:
        return True


def connect_mode(tmp):
    port = free_port()  # listened on again after a while: not from the ephemeral range
    server = listener(port)
    unrouted = listener()
    unrouted_port = unrouted.getsockname()[1]
    ini = ("[router]\nrest =\n[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
           f"[frontend:vpcd0]\nplugin = vpcd\nhost = 127.0.0.1\nport = {port - 1}\nslot = 1\n"
           f"[frontend:spare]\nplugin = vpcd\nport = {unrouted_port}\n"
           "[route:r0]\nfrontend = vpcd0\nbackend = card\n")
    with Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini, "connect") as d:
        conn = accept(server)
        check(conn is not None, "cardrouted connects to vpcd (port = base + slot)")
        if conn is None:
            print(d.log())
            return
        check(ask(conn, b"\x04") == ATR, "get ATR answers the card's ATR")
        send(conn, b"\x01")
        check(ask(conn, b"\x04") == ATR, "power on: no reply, ATR after it")
        check(d.wait_log("vpcd0: terminal cold reset"), "power on is a cold reset for the core")
        check(ask(conn, bytes.fromhex("00A40004023F00")) == bytes.fromhex("3F009000"),
              "an APDU goes through the route")
        big = bytes.fromhex("00D60000FF") + bytes(range(255))
        check(ask(conn, big) == bytes(range(255)) + b"\x90\x00", "a 260-byte APDU")
        send(conn, b"\x02")
        check(ask(conn, b"\x04") == ATR, "warm reset: no reply")
        check(ask(conn, b"\x01\x02") == bytes.fromhex("6700"), "a 2-byte command gets 6700")
        send(conn, b"\x03")
        check(ask(conn, b"\x04") == ATR, "an unknown control byte is ignored")
        send(conn, b"\x00")
        check(ask(conn, b"\x04") == ATR, "power off: no reply, polls still answered")
        # split writes: the length and the payload apart (as bookworm's vpcd does)
        conn.sendall(b"\x00")
        time.sleep(0.01)
        conn.sendall(b"\x01")
        time.sleep(0.01)
        conn.sendall(b"\x04")
        check(recv_frame(conn) == ATR, "a frame written in pieces")

        # malformed frame: that connection is closed, the daemon goes on
        mark = d.mark()
        conn.sendall(b"\x00\x00")
        check(closed_by_peer(conn), "a zero-length frame closes the connection")
        check(d.wait_log("length 0", since=mark), "with a log line")
        conn.close()
        conn = accept(server)
        check(conn is not None and ask(conn, b"\x04") == ATR,
              "cardrouted connects again after the malformed frame")

        # vpcd drops the connection
        conn.close()
        conn = accept(server)
        check(conn is not None and ask(conn, b"\x04") == ATR, "reconnects after vpcd dropped it")

        # vpcd gone for a while, then back on the same port
        conn.close()
        server.close()
        check(d.wait_log("cannot reach vpcd"), "logs that vpcd is gone")
        server = listener(port)
        conn = accept(server, 15.0)
        check(conn is not None and ask(conn, b"\x04") == ATR,
              "reconnects with back-off when vpcd is back")

        r, _, _ = select.select([unrouted], [], [], 0)
        check(not r, "a slot without a route does not connect to vpcd")
        check(d.alive(), "the daemon is still running")
        if conn is not None:
            conn.close()
        rc = d.stop()
        check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
    server.close()
    unrouted.close()


def listen_mode(tmp):
    port = free_port()
    ini = ("[router]\nrest =\n[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
           f"[frontend:rev]\nplugin = vpcd\nmode = listen\nport = {port}\n"
           "[route:r0]\nfrontend = rev\nbackend = card\n")
    with Daemon(CARDROUTED, PLUGIN_DIR, tmp, ini, "listen") as d:
        check(d.wait_log("rev: waiting for vpcd"), "listen mode: listens")
        conn = None
        end = time.monotonic() + 10
        while conn is None and time.monotonic() < end:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            except OSError:
                time.sleep(0.05)
        check(conn is not None, "listen mode: vpcd (this script) connects")
        if conn is None:
            return
        check(ask(conn, b"\x04") == ATR, "listen mode: get ATR")
        check(ask(conn, bytes.fromhex("00B0000002")) == bytes.fromhex("9000"),
              "listen mode: an APDU")
        # a second local peer while vpcd is connected: closed, logged once
        for _ in range(3):
            other = socket.create_connection(("127.0.0.1", port), timeout=10)
            try:
                gone = other.recv(1) == b""
            except ConnectionResetError:
                gone = True
            check(gone, "listen mode: a second peer is closed")
            other.close()
        check(d.wait_log("rev: refused another connection while vpcd is connected"),
              "listen mode: the refusal is logged")
        check(sum("refused another connection" in line for line in d.lines) == 1,
              "listen mode: three refusals, one log line")
        check(ask(conn, b"\x04") == ATR, "listen mode: the first vpcd keeps the slot")
        conn.close()
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        check(ask(conn, b"\x04") == ATR, "listen mode: vpcd connects again")
        conn.close()
        check(d.stop() == 0, "listen mode: exit 0")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        connect_mode(tmp)
        listen_mode(tmp)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
