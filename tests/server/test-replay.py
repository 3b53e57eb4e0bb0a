#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Replays the server side of the osmo-remsim captures against rspro-server:
every RSPRO frame a bank or client sent to port 9998 (decoded/*.rspro.txt)
and every REST request to 9997 (read from the pcapng with tshark) goes to
cardroute's server in capture order; every frame the upstream server sent
must come from ours (byte for byte; connect*Res: type and result, the
identity is ours), and every REST answer must match upstream's, except for
the documented fixes (404 JSON errors, 201 with the map, restart counter,
405 for a wrong method). Capture 04 (server killed: upstream loses its maps,
which we store on purpose) is covered by test-loop.py instead.

usage: test-replay.py CARDROUTED PLUGIN_DIRS VECTORS_DIR   (exit 77: no vectors/tshark)"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rsprotest as R  # noqa: E402
from srvtest import Server, check, finish, server_ini, wait_until  # noqa: E402

cardrouted, plugin_dirs, vectors = sys.argv[1:4]
remsim = os.path.join(vectors, "remsim")
if not os.path.isdir(os.path.join(remsim, "decoded")) or shutil.which("tshark") is None:
    print("SKIP: no capture vectors or no tshark")
    sys.exit(77)

CAPTURES = ["01-normal-session", "02-slotmap-delete-in-use", "03-bankd-restart",
            "05-normal-session-tag-1.0.0", "06-ifdhandler-client", "07-rest-api-misc"]
LINE = re.compile(r"^#(\d+)\s+([\d.]+)\s+\S+\s+stream \d+\s+(\d+)->(\d+)\s+(\S+)")


def rspro_events(name):
    events, last = [], None
    with open(os.path.join(remsim, "decoded", name + ".rspro.txt")) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                t, src, dst, kind = float(m.group(2)), int(m.group(3)), int(m.group(4)), m.group(5)
                last = (t, src, dst) if kind == "RSPRO" and 9998 in (src, dst) else None
                continue
            if last and line.strip().startswith("ipa+der:"):
                t, src, dst = last
                frame = bytes.fromhex(line.split(":", 1)[1].strip())
                if dst == 9998:
                    events.append((t, "send", src, frame))
                else:
                    events.append((t, "expect", dst, frame))
                last = None
    return events


def tshark(pcap, display, fields):
    out = subprocess.run(["tshark", "-r", pcap, "-Y", display, "-T", "fields", "-E", "separator=\t"]
                         + sum([["-e", f] for f in fields], []),
                         capture_output=True, text=True, timeout=120).stdout
    return [line.split("\t") for line in out.splitlines()]


def other_events(name):
    pcap = os.path.join(remsim, name + ".pcapng")
    events = []
    for t, sport, dport in tshark(pcap, "tcp.port==9998 && (tcp.flags.fin==1 || tcp.flags.reset==1)",
                                  ["frame.time_relative", "tcp.srcport", "tcp.dstport"]):
        peer = int(sport) if int(dport) == 9998 else int(dport)
        events.append((float(t), "close", peer, int(sport) == 9998))
    pending = {}
    for row in tshark(pcap, "http", ["frame.time_relative", "tcp.stream", "http.request.method",
                                     "http.request.uri", "http.response.code", "http.file_data"]):
        t, stream, method, uri, code, data = (row + [""] * 6)[:6]
        data = bytes.fromhex(data.replace(":", "")).decode() if re.fullmatch(r"[0-9a-f:]*", data) and data \
            else data
        if method:
            pending[stream] = (float(t), method, uri, data)
        elif code and stream in pending:
            rt, method, uri, body = pending.pop(stream)
            events.append((rt, "rest", method, uri, body, int(code), data))
    return events


def check_rest(d, name, method, uri, body, code, answer):
    path = uri[len("/api/backend/v1"):]
    what = f"{name}: {method} {path}"

    def ours():
        raw = body.encode() if body else None
        hdr = {"Content-Type": "application/json"} if body else {}
        return d.request(method, uri, raw=raw, headers=hdr)

    single = re.fullmatch(r"/(banks|clients)/\d+", path)
    if method == "GET" and code == 200 and answer == "" and single:
        st, _, got = ours()
        return check(st == 404 and got.get("error") == "not-found", f"{what}: 404 JSON (upstream: 200 empty)")
    if method == "GET" and path == "/restart-counter":
        st, _, got = ours()
        return check(st == 200 and isinstance(got.get("restartCounter"), int), f"{what}: the counter")
    if method == "POST" and path == "/slotmaps" and code == 201:
        st, _, got = ours()
        sent = json.loads(body)
        return check(st == 201 and got["bank"] == sent["bank"] and got["client"] == sent["client"],
                     f"{what}: 201 with the map (upstream: empty)")
    if code == 404 and answer == "Resource not found" and method not in ("GET",):
        st, _, got = ours()
        return check(st in (404, 405), f"{what}: {st} (upstream 404)")
    if method == "GET" and code == 200:
        expected = json.loads(answer)
        # a state may still be on its way (the bank's answer races the GET)
        ok = wait_until(lambda: ours()[2] == expected, 5)
        return check(ok, f"{what}: same JSON as upstream ({answer})")
    st, _, got = ours()
    return check(st == code, f"{what}: {code} like upstream ({st})")


def replay(name):
    state = os.path.join(tempfile.mkdtemp(prefix="cr-replay-"), "state.json")
    d = Server(cardrouted, plugin_dirs, os.path.dirname(state), name, server_ini(state))
    if not check(d.wait_ready(), f"{name}: server starts"):
        d.stop()
        return
    events = sorted(rspro_events(name) + other_events(name), key=lambda e: e[0])
    peers, frames, last_sent = {}, 0, {}
    try:
        for ev in events:
            kind = ev[1]
            if kind == "send":
                if ev[2] not in peers:
                    peers[ev[2]] = R.Peer(d.rspro_port)
                peers[ev[2]].send(ev[3])
            elif kind == "expect":
                frames += 1
                peer = peers.get(ev[2])
                want = ev[3]
                last_sent[ev[2]] = want
                try:
                    got = peer.recv_rspro(10) if peer else b""
                except (TimeoutError, EOFError) as e:
                    got = str(e).encode()
                if R.choice_of(want) in (0xa1, 0xa3):
                    ok = len(got) > 4 and R.choice_of(got) == R.choice_of(want) \
                        and R.result_of(got) == R.result_of(want)
                else:
                    ok = got == want
                if not check(ok, f"{name}: server -> :{ev[2]} {want.hex()}"):
                    print("   ours:", got.hex() if isinstance(got, bytes) else got)
                    return
            elif kind == "close":
                peer = peers.pop(ev[2], None)
                if peer is None:
                    continue
                # the server's own closes at the end of a capture are its shutdown;
                # the one that matters is the close after identityInUse
                w = last_sent.get(ev[2])
                if ev[3] and w is not None and R.choice_of(w) in (0xa1, 0xa3) and R.result_of(w) == 6:
                    check(peer.expect_closed(), f"{name}: server closes :{ev[2]} after identityInUse")
                peer.close()
            elif kind == "rest":
                check_rest(d, name, *ev[2:])
        check(frames > 0, f"{name}: {frames} server frames matched")
        for port, peer in peers.items():
            check(peer.quiet(0.2), f"{name}: nothing more for :{port}")
    finally:
        for peer in peers.values():
            peer.close()
        check(d.stop() == 0, f"{name}: server stops cleanly")


for capture in CAPTURES:
    replay(capture)
finish()
