#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The REST listener against hostile peers, on a real cardrouted: keep-alive
sockets the client closed, slowloris, connection limits, a full fd table,
bodies that must be refused before they are read, event-stream clients that
never read. Every wait is bounded and polls the daemon (/proc, /metrics, its
log). One figure about speed is asserted because the issue sets it as the
target: the vpcd transaction p99 under 2 ms while 500 event streams are
stuck (printed with the machine's load)."""
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crtest import Daemon, check, finish, wait_until  # noqa: E402

CARDROUTED, PLUGIN_DIRS = sys.argv[1], sys.argv[2]
TOKEN = "s3cret-token"
SANITIZED = os.environ.get("CR_SANITIZED") == "1"


def start(tmp, name, extra="", frontends=""):
    ini = ("[router]\nrest = 127.0.0.1:0\ndbus = none\n" + extra +
           "[backend:card]\nplugin = echo\natr = 3B 00\n"
           "[backend:card2]\nplugin = echo\natr = 3B 00\n" + frontends)
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, name, ini)
    if not d.wait_ready():
        print(d.output())
        sys.exit(1)
    return d


def fds(d):
    return len(os.listdir(f"/proc/{d.proc.pid}/fd"))


def rss_kb(d):
    with open(f"/proc/{d.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def metric(d, name, headers=None):
    """The value of one /metrics line (name with its labels), or None."""
    st, _, text = d.request("GET", "/metrics", headers=headers)
    if st != 200:
        return None
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def connect(d, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((d.host, d.port))
    return s


def read_head(s):
    """The status line and headers of one answer; b"" when the socket closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def closed_by_peer(s):
    """True once the daemon closed s (EOF or reset); non-blocking."""
    try:
        s.setblocking(False)
        data = s.recv(65536)
        return data == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def keepalive_leak(tmp):
    """libsoup 3.2 left a keep-alive socket in CLOSE-WAIT after the client closed."""
    d = start(tmp, "keepalive")
    base = fds(d)
    for i in range(300):
        s = connect(d)
        s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
                  if i % 3 else b"GET /api/v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
        head = read_head(s)
        if i == 0:
            check(head.startswith(b"HTTP/1.1 404") and b"Connection: close" in head,
                  "the answer says the connection closes")
        s.close()
    check(wait_until(lambda: fds(d) <= base, 2.0),
          f"300 keep-alive requests closed by the client: fds back to {base} within 2 s ({fds(d)})")
    d.stop()


def slowloris(tmp):
    d = start(tmp, "slowloris", "rest-header-timeout = 1000\nrest-idle-timeout = 1000\n"
              "rest-max-connections = 1000\nrest-max-connections-per-address = 1000\n")
    base = fds(d)
    socks = []
    for i in range(100):
        s = connect(d)
        # a request line and a header, never the blank line
        s.sendall(b"GET /api/v1/status HTTP/1.1\r\nX-a: " if i % 2 else b"G")
        socks.append(s)
    # trickle one byte per socket until the daemon has closed them all
    open_socks = list(socks)

    def all_closed():
        for s in list(open_socks):
            if closed_by_peer(s):
                open_socks.remove(s)
            else:
                try:
                    s.send(b"a")
                except OSError:
                    open_socks.remove(s)
        return not open_socks
    check(wait_until(all_closed, 15.0),
          f"100 slowloris connections closed after the header timeout ({len(open_socks)} left)")
    for s in socks:
        s.close()
    check(wait_until(lambda: fds(d) <= base, 5.0), f"their fds are gone ({fds(d)} vs {base})")
    n = metric(d, 'cardroute_rest_connections_closed_total{reason="header-timeout"}')
    check(n is not None and n >= 100, f"counted as header timeouts in /metrics: {n}")
    # a silent connection is a slow one too
    s = connect(d)
    check(wait_until(lambda: closed_by_peer(s), 10.0), "a connection that sends nothing is closed")
    s.close()
    d.stop()


def limits(tmp):
    d = start(tmp, "limits", "rest-max-connections = 6\nrest-max-connections-per-address = 3\n")
    held = [connect(d) for _ in range(3)]
    s = connect(d)
    head = read_head(s)
    check(head.startswith(b"HTTP/1.1 503"), f"over the per-address limit: 503 ({head[:40]!r})")
    s.close()
    for h in held:
        h.close()
    # the three held ones are gone once the daemon saw them close
    check(wait_until(lambda: _open(d) == 0, 5.0), "closed connections leave")
    check(metric(d, "cardroute_rest_connections") == 1.0, "open connections in /metrics (this one)")
    n = metric(d, 'cardroute_rest_connections_refused_total{limit="per-address"}')
    check(n == 1.0, f"the refusal is counted in /metrics: {n}")
    # the total limit, from another loopback address
    held = [connect(d) for _ in range(3)]
    held2 = []
    for _ in range(3):
        s = socket.socket()
        s.settimeout(10)
        s.bind(("127.0.0.2", 0))
        s.connect((d.host, d.port))
        held2.append(s)
    check(wait_until(lambda: _open(d) == 6, 5.0), "six connections open")
    s = socket.socket()
    s.settimeout(10)
    s.bind(("127.0.0.3", 0))
    s.connect((d.host, d.port))
    head = read_head(s)
    check(head.startswith(b"HTTP/1.1 503"), f"over the total limit: 503 ({head[:40]!r})")
    s.close()
    for h in held + held2:
        h.close()
    wait_until(lambda: _open(d) == 0, 5.0)
    check(wait_until(lambda: metric(d, 'cardroute_rest_connections_refused_total{limit="total"}') == 1.0,
                     5.0), "the total refusal is counted")
    d.stop()


def ipa_ping(s):
    """An IPA CCM PING on an RSPRO link; True when the PONG comes back."""
    try:
        s.sendall(b"\x00\x01\xfe\x00")
        data = b""
        while len(data) < 4:
            chunk = s.recv(4 - len(data))
            if not chunk:
                return False
            data += chunk
        return data == b"\x00\x01\xfe\x01"
    except OSError:
        return False


def fd_exhaustion(tmp):
    d = start(tmp, "fds", "rest-header-timeout = 60000\nrest-max-connections = 5000\n"
              "rest-max-connections-per-address = 5000\n",
              "[frontend:term]\nplugin = script\ncommands = 00B0000002\nrepeat = 1000000\n"
              f"interval-ms = 20\nlog = {tmp}/fds-term.log\n"
              "[route:r1]\nfrontend = term\nbackend = card\n"
              "[frontend:bank]\nplugin = rspro-bank\nlisten = 127.0.0.1:0\nslots = 1\n"
              # the client below never identifies: keep it past a slow run
              "identify-timeout-ms = 300000\n")
    m = re.search(r"bank: bank \d+ with \d+ slots listening on [^:]+:(\d+)", d.output())
    check(m is not None, "the RSPRO bank listens")
    rspro = socket.create_connection((d.host, int(m.group(1))), timeout=10)
    check(ipa_ping(rspro), "an RSPRO client connected before: PING answered")
    # an event stream opened before the table fills
    ev = connect(d)
    ev.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    check(read_head(ev).startswith(b"HTTP/1.1 200"), "event stream open")
    lines_before = len(d.output().splitlines())
    subprocess.run(["prlimit", "--pid", str(d.proc.pid), "--nofile=256:256"], check=True)
    t0 = time.process_time()
    attackers = []
    for _ in range(400):
        try:
            attackers.append(socket.create_connection((d.host, d.port), timeout=5))
        except OSError:
            break
    check(d.wait_log("cannot accept connections", 10.0), "the daemon ran out of descriptors")
    cpu_before = _cpu(d)
    # the stream opened before keeps flowing
    # what was queued before, then new events
    ev.setblocking(False)
    try:
        while ev.recv(1 << 20):
            pass
    except OSError:
        pass
    ev.settimeout(1)
    got = b""

    def new_event():
        nonlocal got
        try:
            got += ev.recv(65536)
        except OSError:
            pass
        return b"\nevent: transaction" in got
    check(wait_until(new_event, 10.0), "the client connected before gets events while no fd is left")
    check(ipa_ping(rspro), "the RSPRO client connected before is answered while no fd is left")
    wait_until(lambda: False, 1.0)
    cpu_spent = _cpu(d) - cpu_before
    print(f"figure: CPU of cardrouted during 1 s with no fd left: {cpu_spent:.3f} s")
    for a in attackers:
        a.close()
    ok = wait_until(lambda: _status_ok(d), 10.0)
    check(ok, "once they left, new requests are answered again")
    errors = metric(d, "cardroute_rest_accept_errors_total")
    print(f"figure: accept errors counted: {errors}")
    check(errors is not None and errors < 200, f"accepting backed off instead of spinning ({errors})")
    lines = len(d.output().splitlines()) - lines_before
    check(lines < 100, f"the log stayed under 100 lines ({lines})")
    ev.close()
    rspro.close()
    d.stop()
    del t0


def _open(d):
    """Open REST connections, from the daemon's fds (no request: that would be one more)."""
    n = 0
    for fd in os.listdir(f"/proc/{d.proc.pid}/fd"):
        try:
            n += os.readlink(f"/proc/{d.proc.pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass  # closed meanwhile
    return n - 1


def _cpu(d):
    with open(f"/proc/{d.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_ok(d):
    try:
        return d.request("GET", "/api/v1/status")[0] == 200
    except OSError:
        return False


def bodies(tmp):
    with open(f"{tmp}/token", "w") as f:
        f.write(TOKEN + "\n")
    d = start(tmp, "bodies", f"rest-token-file = {tmp}/token\n")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    wait_until(lambda: False, 0.2)
    rss0 = rss_kb(d)
    size = 200 * 1024 * 1024
    chunk = b"x" * 65536
    for i in range(4):
        s = connect(d)
        if i % 2 == 0:
            s.sendall(b"POST /api/v1/routes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % size)
        else:
            s.sendall(b"POST /api/v1/routes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        # not one body byte sent yet: the answer must already be there
        head = read_head(s)
        check(head.startswith(b"HTTP/1.1 401"), f"upload {i} without a token: 401 before its body ({head[:30]!r})")
        sent = 0
        try:
            while sent < size:
                s.sendall(chunk if i % 2 == 0 else b"10000\r\n" + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass
        check(sent < size, f"upload {i}: the daemon closed it ({sent >> 20} MiB sent)")
        s.close()
    grown = rss_kb(d) - rss0
    print(f"figure: RSS growth after 4 x 200 MB unauthenticated uploads: {grown} KiB")
    check(grown < 8 * 1024, f"RSS grew by less than 8 MB ({grown} KiB)")
    # with the token: a Content-Length over the limit is refused from the headers
    s = connect(d)
    s.sendall(b"POST /api/v1/routes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() +
              b"\r\nContent-Length: %d\r\n\r\n" % size)
    head = read_head(s)
    check(head.startswith(b"HTTP/1.1 413"), f"Content-Length over the limit: 413 before the body ({head[:30]!r})")
    s.close()
    # a chunked body is cut at the limit
    s = connect(d)
    s.sendall(b"POST /api/v1/routes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() +
              b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    sent = 0
    try:
        while sent < size:
            s.sendall(b"10000\r\n" + chunk + b"\r\n")
            sent += len(chunk)
    except OSError:
        pass
    head = read_head(s)
    check(head.startswith(b"HTTP/1.1 413") and sent < 8 * 1024 * 1024,
          f"a chunked body is cut at the limit: {head[:30]!r} after {sent >> 10} KiB")
    s.close()
    n = metric(d, 'cardroute_rest_connections_closed_total{reason="early-answer"}', auth)
    check(n is not None and n >= 5, f"early answers counted: {n}")
    n = metric(d, 'cardroute_rest_connections_closed_total{reason="body-too-large"}', auth)
    check(n == 1.0, f"the cut counted: {n}")
    grown = rss_kb(d) - rss0
    check(grown < 8 * 1024, f"RSS still flat ({grown} KiB)")
    d.stop()


def raw_exchange(d, req):
    s = connect(d)
    s.sendall(req)
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def odd_requests(tmp):
    d = start(tmp, "odd", "", "[frontend:term]\nplugin = script\ncommands = 00B0000002\n"
              f"log = {tmp}/odd-term.log\n")
    out = raw_exchange(d, b"GET /api/v1/%2F/status HTTP/1.1\r\nHost: x\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 404"), f"/api/v1/%2F/status: 404 ({out[:20]!r})")
    out = raw_exchange(d, b"GET /api/v1/../api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
    check(not out.startswith(b"HTTP/1.1 200"), f"dot segments are not served ({out[:20]!r})")
    for req in [b"GET http://127.0.0.1/api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"GET http://elsewhere/api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"]:
        out = raw_exchange(d, req)
        check(out.startswith(b"HTTP/1.1 400"), f"absolute-form {req[:30]!r}: 400 ({out[:20]!r})")
    out = raw_exchange(d, b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    check(out.startswith(b"HTTP/1.1 200"), "origin-form still served")
    st, _, body = d.request("POST", "/api/v1/routes",
                            raw=b'{"frontend": "term\\u0000x", "backend": "card", "name": "n"}',
                            headers={"Content-Type": "application/json"})
    check(st == 400 and "u0000" in body.get("message", ""), f"\\u0000 in a name: 400 ({st} {body})")
    st, _, body = d.request("GET", "/api/v1/routes")
    check(st == 200 and body["routes"] == [], "no route was made of a truncated name")
    d.stop()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def apdu_rtts(d, n):
    out = []
    for _ in range(n):
        t = time.monotonic()
        st, _, _ = d.request("POST", "/api/v1/backends/card2/apdu", body={"apdu": "00B0000002"})
        if st == 200:
            out.append((time.monotonic() - t) * 1e6)
    return out


def raise_priority(pid):
    """The measured parties (the daemon's main thread, the vpcd peer) run
    before the machine's other work (the test may share two cores with
    builds and CPU hogs), so what is left is the daemon's own delay: a
    real-time class (the kernel's RT throttling keeps a runaway from taking
    a whole core), else a lower nice value. Needs root; without it the
    figure includes the machine's load."""
    try:
        os.sched_setscheduler(pid, os.SCHED_FIFO, os.sched_param(1))
        return True
    except OSError:
        pass
    try:
        os.setpriority(os.PRIO_PROCESS, pid, -10)
        return True
    except OSError:
        return False


def vpcd_frame(conn, payload):
    """One vpcd exchange (2-byte length + payload each way); the answer or None."""
    conn.sendall(struct.pack(">H", len(payload)) + payload)
    data = b""
    need = 2
    while len(data) < need:
        chunk = conn.recv(need - len(data))
        if not chunk:
            return None
        data += chunk
        if len(data) == 2 and need == 2:
            need = 2 + struct.unpack(">H", data)[0]
    return data[2:]


def vpcd_loop(conn, stop_fd, ready_fd, out_fd, at_least, warmup):
    """In a child process (no GIL shared with the test): vpcd transactions
    back to back until told to stop (and at least @at_least of them); the
    round trips in microseconds and their start times go to @out_fd as
    JSON. @ready_fd gets a byte once it runs at full speed."""
    rtts, failed = [], 0
    apdu = bytes.fromhex("00B0000002")
    raise_priority(0)
    for _ in range(warmup):
        vpcd_frame(conn, apdu)
    os.write(ready_fd, b"r")
    while True:
        if len(rtts) >= at_least and select.select([stop_fd], [], [], 0)[0]:
            break
        t = time.perf_counter()
        answer = vpcd_frame(conn, apdu)
        rtts.append(((time.perf_counter() - t) * 1e6, t))
        if not answer:
            failed += 1
            break
    with os.fdopen(out_fd, "w") as f:
        json.dump({"rtts": rtts, "failed": failed}, f)


def vpcd_measure(conn, at_least, during, warmup=50):
    """Runs during() while a child process times vpcd transactions; returns
    (during()'s result, round trips, failures)."""
    stop_r, stop_w = os.pipe()
    ready_r, ready_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(stop_w)
        os.close(out_r)
        os.close(ready_r)
        try:
            vpcd_loop(conn, stop_r, ready_w, out_w, at_least, warmup)
        finally:
            os._exit(0)
    os.close(stop_r)
    os.close(out_w)
    os.close(ready_w)
    select.select([ready_r], [], [], 20.0)
    os.close(ready_r)
    try:
        result = during()
    finally:
        os.write(stop_w, b"x")
        with os.fdopen(out_r) as f:
            data = json.load(f)
        os.waitpid(pid, 0)
        os.close(stop_w)
    return result, data["rtts"], data["failed"]


def event_flood(tmp):
    """500 event-stream clients that never read while vpcd transactions flow:
    the transaction p99 stays under 2 ms (the issue's target: stuck clients
    must cost O(1) per event), all of them are dropped, and RSS comes back
    within 10% of a fresh start once they left."""
    vpcd = socket.socket()
    vpcd.bind(("127.0.0.1", 0))
    vpcd.listen(1)
    vpcd_port = vpcd.getsockname()[1]
    d = start(tmp, "events", "allow-apdu = true\nrest-max-connections = 2000\n"
              "rest-max-connections-per-address = 2000\n",
              "[backend:card3]\nplugin = echo\natr = 3B 00\n"
              f"[frontend:v]\nplugin = vpcd\nhost = 127.0.0.1\nport = {vpcd_port}\nslot = 0\n"
              "[route:r2]\nfrontend = v\nbackend = card3\n")
    subprocess.run(["prlimit", "--pid", str(d.proc.pid), "--nofile=4096:4096"], check=True)
    if not raise_priority(d.proc.pid):
        print("note: no priority raise (not root): the figures include the machine's load")
    vpcd.settimeout(10)
    conn, _ = vpcd.accept()
    conn.settimeout(10)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    check(vpcd_frame(conn, b"\x04") == b"\x3b\x00", "the vpcd slot has the card")
    # the REST shell (its log lines are rate-limited), then transactions to
    # warm up: what they allocate for good is part of the fresh start
    apdu_rtts(d, 100)
    _, base, _ = vpcd_measure(conn, 3000, lambda: None)
    base = [r for r, _ in base]
    wait_until(lambda: False, 0.5)
    rss_fresh = rss_kb(d)
    peak = 0
    dropped = 0

    def connect_all(clients):
        nonlocal peak
        for _ in range(500):
            s = connect(d, rcvbuf=4096)
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(s)
            peak = max(peak, rss_kb(d))
        return wait_until(lambda: metric(d, "cardroute_rest_event_clients") == 500, 30.0)

    def until_dropped():
        # they fill their sockets, then fall behind: a moment here, a minute
        # on the old code (or never)
        def all_dropped():
            nonlocal peak
            peak = max(peak, rss_kb(d))
            return metric(d, "cardroute_rest_event_clients_dropped_total") == dropped + 500
        return wait_until(all_dropped, 60.0)

    # A wave: 500 clients connect while no event flows (none falls behind
    # yet), then a vpcd peer times transactions back to back, each one an
    # event for every client, until all 500 are dropped: every transaction
    # timed is one made while they were connected, filling up, stuck, or
    # being dropped. The machine may be shared (other builds, CPU hogs): a
    # wave whose p99 misses the target is tried again, up to three waves;
    # stuck clients that cost something per event miss it every time.
    best = None
    for attempt in range(3):
        clients = []
        check(connect_all(clients), f"wave {attempt}: 500 event clients connected")
        ok, rtts, failed = vpcd_measure(conn, 0, until_dropped, warmup=0)
        check(ok, f"wave {attempt}: all 500 non-reading clients dropped "
              f"({metric(d, 'cardroute_rest_event_clients_dropped_total')})")
        check(failed == 0, f"every vpcd transaction answered ({failed} not)")
        rtts = [r for r, _ in rtts]
        p50, p99 = percentile(rtts, 50), percentile(rtts, 99)
        print(f"figure: vpcd transaction p50/p99/max us: without event clients "
              f"{percentile(base, 50):.0f}/{percentile(base, 99):.0f}/{max(base):.0f}; wave "
              f"{attempt}, with 500 non-reading event clients until all were dropped "
              f"{p50:.0f}/{p99:.0f}/{max(rtts):.0f} ({len(rtts)} transactions); "
              f"load {os.getloadavg()[0]:.2f}")
        check(len(rtts) >= 100, f"enough transactions for a p99 ({len(rtts)})")
        best = p99 if best is None else min(best, p99)
        pending = list(clients)

        def all_closed():
            pending[:] = [s for s in pending if not closed_by_peer(s)]
            return not pending
        check(wait_until(all_closed, 10.0), f"their sockets closed by the daemon ({len(pending)} open)")
        for s in clients:
            s.close()
        dropped += 500
        if not ok or best < 2000 or SANITIZED:
            break
    if SANITIZED:
        print("skip: the p99 under the sanitizers (every access is checked)")
    else:
        check(best < 2000, f"vpcd transaction p99 under 2 ms while they were there ({best:.0f} us)")
    check(wait_until(lambda: metric(d, "cardroute_rest_event_clients") == 0, 5.0),
          "no event client left")
    # the heap is trimmed a second after the last of them left
    check(wait_until(lambda: (metric(d, "cardroute_rest_event_memory_trims_total") or 0) > 0, 10.0),
          "memory trimmed after they left")
    ok = wait_until(lambda: rss_kb(d) <= rss_fresh * 1.1, 10.0)
    print(f"figure: RSS KiB fresh {rss_fresh}, with 500 clients (peak) {peak}, "
          f"after they left {rss_kb(d)}")
    if SANITIZED:
        print("skip: RSS after the clients left (ASan keeps freed memory in its quarantine)")
    else:
        check(ok, f"RSS back within 10% of the fresh start ({rss_kb(d)} vs {rss_fresh})")
    # a reader still gets the stream as before
    s = connect(d)
    s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    got = read_head(s)
    vpcd_frame(conn, bytes.fromhex("00B0000002"))

    def event_seen():
        nonlocal got
        try:
            got += s.recv(65536)
        except OSError:
            pass
        return b"\r\nevent: transaction\ndata: {" in got
    check(wait_until(event_seen, 10.0) and got.startswith(b"HTTP/1.1 200")
          and b"Transfer-Encoding: chunked" in got and b"text/event-stream" in got,
          f"a reading client gets chunked events ({got[:300]!r})")
    s.close()
    shell_lines = d.output().count("APDU from the REST shell")
    check(shell_lines < 30, f"100 shell APDUs: {shell_lines} log lines (rate-limited)")
    n = metric(d, 'cardroute_log_suppressed_total{source="rest-apdu"}')
    check(n is not None and n > 0, f"the held-back lines are counted in /metrics ({n})")
    conn.close()
    vpcd.close()
    d.stop()


def slow_reader(tmp):
    """A client that stops reading for a while but stays within the bound
    gets every event, in order, once it reads again; and waiting for its
    socket costs the daemon nothing once it has caught up (no writable
    wake-ups left armed)."""
    d = start(tmp, "slow", "",
              "[frontend:term]\nplugin = script\ncommands = 00B0000002\nrepeat = 10000000\n"
              "interval-ms = 5\nlog = /dev/null\n"
              "[route:r1]\nfrontend = term\nbackend = card\n")
    s = connect(d, rcvbuf=4096)
    s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    check(read_head(s).startswith(b"HTTP/1.1 200"), "event stream open")
    # not reading: the kernel's buffers fill (some 60 events), then the
    # daemon waits for the socket
    wait_until(lambda: False, 0.4)
    got = b""
    s.settimeout(0.2)

    def read_some():
        nonlocal got
        try:
            got += s.recv(65536)
        except OSError:
            pass
        return got.count(b"event: transaction") >= 200
    check(wait_until(read_some, 10.0), "it reads again: events come")
    ids = [int(m) for m in re.findall(rb'"id":(\d+)', got)]
    gaps = [b for a, b in zip(ids, ids[1:]) if b != a + 1]
    check(len(ids) >= 200 and not gaps, f"{len(ids)} transactions in order, none missing ({gaps[:5]})")
    check(metric(d, "cardroute_rest_event_clients_dropped_total") == 0, "not dropped")
    # caught up: while it keeps reading, the daemon is idle between events
    cpu0, t0 = _cpu(d), time.monotonic()
    wait_until(lambda: read_some() and False, 1.0)
    spent = (_cpu(d) - cpu0) / (time.monotonic() - t0)
    print(f"figure: cardrouted CPU share with one reading event client: {spent:.2f}")
    check(spent < 0.2, f"no busy loop once it caught up ({spent:.2f} of a core)")
    s.close()
    d.stop()


def main():
    with tempfile.TemporaryDirectory(prefix="cr-hostile-") as tmp:
        for test in [keepalive_leak, slowloris, limits, odd_requests, bodies, fd_exhaustion,
                     slow_reader, event_flood]:
            if len(sys.argv) > 3 and test.__name__ not in sys.argv[3:]:
                continue
            print(f"--- {test.__name__}", flush=True)
            test(tmp)
    finish()


main()
