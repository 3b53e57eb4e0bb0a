#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The REST API of a running cardrouted with a real HTTP client: every
endpoint, every path of data/openapi.yaml, bad input (malformed JSON, wrong
types, huge and deep bodies, unknown ids, garbage requests), the bearer
token, the event stream and the metrics."""
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crtest import Daemon, check, finish, openapi_paths, read_lines, wait_until  # noqa: E402

CARDROUTED, PLUGIN_DIRS, OPENAPI = sys.argv[1], sys.argv[2], sys.argv[3]


def config(tmp, extra=""):
    return ("[router]\nrest = 127.0.0.1:0\ndbus = none\n"
            f"state-dir = {tmp}/state\n{extra}"
            "[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
            "[backend:card2]\nplugin = echo\natr = 3B 00\n"
            "[backend:card3]\nplugin = echo\n"
            "[frontend:term]\nplugin = script\ncommands = 00A40004023F00;00B0000002\n"
            f"log = {tmp}/term.log\n"
            "[frontend:term2]\nplugin = script\ncommands = 00A40004022F00\n"
            f"log = {tmp}/term2.log\n"
            "[frontend:term3]\nplugin = script\ncommands = 00A40004022F00\n"
            f"log = {tmp}/term3.log\n"
            "[frontend:term4]\nplugin = script\ncommands = 00A40004022F00\n"
            f"log = {tmp}/term4.log\n"
            "[route:r1]\nfrontend = term\nbackend = card\n")


def basics(d, tmp):
    check(wait_until(lambda: "DONE" in read_lines(f"{tmp}/term.log")), "the configured route played")
    st, _, body = d.request("GET", "/api/v1/status")
    check(st == 200 and body["version"] and body["routes"] == 1 and body["frontends"] == 4
          and body["backends"] == 3, f"status: {body}")
    st, _, body = d.request("GET", "/api/v1/plugins")
    names = {p["name"]: p for p in body["plugins"]} if st == 200 else {}
    check("echo" in names and names["echo"]["kind"] == "backend"
          and sorted(names["echo"]["instances"]) == ["card", "card2", "card3"], "plugins lists echo")
    st, _, body = d.request("GET", "/api/v1/frontends")
    check(st == 200 and [f["name"] for f in body["frontends"]] == ["term", "term2", "term3", "term4"], "frontends")
    st, _, body = d.request("GET", "/api/v1/frontends/term")
    check(st == 200 and body["state"] == "present" and body["atr"] == "3B021450"
          and body["route"] == "r1" and body["stats"]["transactions"] == 2, f"frontend term: {body}")
    check(st == 200 and body.get("caps") == {"protocols": ["T=0"], "extended": False,
                                             "max_command": 261, "max_response": 258},
          "frontend term: capabilities, the defaults")
    st, _, body = d.request("GET", "/api/v1/backends/card")
    check(st == 200 and body["atr"] == "3B021450" and body["frontend"] == "term"
          and "p99" in body["stats"]["latency_us"], "backend card with ATR and latency")
    st, _, body = d.request("GET", "/api/v1/routes/r1")
    check(st == 200 and body["configured"] is True and body["policy"]["timeout_ms"] == 30000
          and body["stats"]["transactions"] == 2 and body["stats"]["errors"] == 0, "route r1")
    st, _, body = d.request("GET", "/api/v1/routes")
    check(st == 200 and [r["name"] for r in body["routes"]] == ["r1"], "routes")


def errors(d):
    for path, what in [("/api/v1/frontends/nope", "frontend slot"), ("/api/v1/backends/nope", "backend slot"),
                       ("/api/v1/routes/nope", "route")]:
        st, _, body = d.request("GET", path)
        check(st == 404 and body["error"] == "not-found" and what in body["message"], f"404 {path}")
    st, _, body = d.request("DELETE", "/api/v1/routes/nope")
    check(st == 404 and body["error"] == "not-found", "DELETE of an unknown route: 404")
    st, _, body = d.request("GET", "/api/v1/bogus")
    check(st == 404 and body["error"] == "not-found", "unknown API path: 404")
    st, _, body = d.request("GET", "/nothing/here")
    check(st == 404 and body["error"] == "not-found", "unknown path: 404 JSON")
    st, resp, body = d.request("PUT", "/api/v1/routes", raw=b"{}")
    check(st == 405 and "POST" in (resp.getheader("Allow") or ""), "PUT /routes: 405 with Allow")

    def post(raw, status, field, what):
        st, _, body = d.request("POST", "/api/v1/routes", raw=raw, headers={"Content-Type": "application/json"})
        ok = st == status and isinstance(body, dict) and body.get("error") and field in body.get("message", "")
        check(ok, f"{what}: {st} {body}")
    post(b'{"frontend": "term2",', 400, "malformed", "malformed JSON")
    post(b'[1, 2]', 400, "body", "not an object")
    post(b'', 400, "body", "empty body")
    post(b'{"backend": "card2"}', 400, "frontend", "missing frontend")
    post(b'{"frontend": 5, "backend": "card2"}', 400, "frontend", "frontend not a string")
    post(b'{"frontend": "a b", "backend": "card2"}', 400, "frontend", "bad frontend name")
    post(b'{"frontend": "term2", "backend": "card2", "policy": {"timeout_ms": "soon"}}', 400,
         "policy.timeout_ms", "policy.timeout_ms of the wrong type")
    post(b'{"frontend": "term2", "backend": "card2", "policy": {"timeout_ms": -1}}', 400,
         "policy.timeout_ms", "negative timeout")
    post(b'{"frontend": "term2", "backend": "card2", "policy": {"on_backend_loss": "pray"}}', 400,
         "policy.on_backend_loss", "unknown loss policy")
    post(b'{"frontend": "term2", "backend": "card2", "policy": {"error_sw": "6F"}}', 400,
         "policy.error_sw", "short error_sw")
    post(b'{"frontend": "term2", "backend": "card2", "policy": 3}', 400, "policy", "policy not an object")
    post(b'{"frontend": "term2", "backend": "card2", "colour": "red"}', 400, "colour", "unknown field")
    post(b'{"frontend": "term2", "backend": "card2", "x\xff": 1}', 400, "UTF-8", "invalid UTF-8")
    post(b'{"a":' + b'[' * 20000 + b']' * 20000 + b'}', 400, "nested", "deeply nested body")
    post(b'{"frontend": "' + b'a' * 70000 + b'"}', 413, "too large", "a body over 64 KiB")
    post(b'{"frontend": "ghost", "backend": "card2"}', 404, "ghost", "unknown frontend slot")
    post(b'{"frontend": "term2", "backend": "ghost"}', 404, "ghost", "unknown backend slot")
    post(b'{"frontend": "term2", "backend": "card"}', 409, "already routed", "backend already routed")
    post(b'{"frontend": "term", "backend": "card2"}', 409, "already routed", "frontend already routed")
    post(b'{"frontend": "term2", "backend": "card2", "name": "r1"}', 409, "r1", "route name taken")
    # chunked bodies are read and counted as they arrive (the cut at the limit: test-rest-hostile.py)
    conn = http.client.HTTPConnection(d.host, d.port, timeout=20)
    conn.request("POST", "/api/v1/routes", body=iter([b'{"frontend"', b': "x"}']),
                 headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                 encode_chunked=True)
    resp = conn.getresponse()
    body = resp.read().decode()
    check(resp.status == 400 and "backend" in body, f"chunked body read and parsed: {resp.status} {body}")
    conn.close()
    # garbage on the socket
    for junk in [b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
                 b"\x00\x01\x02\xff\r\n\r\n", b"POST /api/v1/routes HTTP/1.1\r\nContent-Length: -5\r\n\r\n"]:
        s = socket.create_connection((d.host, d.port), timeout=10)
        try:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            s.recv(4096)
        except OSError:
            pass
        s.close()
    st, _, _ = d.request("GET", "/api/v1/status")
    check(st == 200 and d.proc.poll() is None, "the daemon survives garbage requests")


def route_lifecycle(d, tmp):
    st, resp, body = d.request("POST", "/api/v1/routes",
                               body={"frontend": "term2", "backend": "card2", "name": "rt",
                                     "policy": {"timeout_ms": 1500, "on_backend_loss": "remove-card",
                                                "error_sw": "6A82", "forward_reset": False}})
    check(st == 201 and resp.getheader("Location") == "/api/v1/routes/rt" and body["name"] == "rt"
          and body["configured"] is False and body["policy"]["on_backend_loss"] == "remove-card"
          and body["policy"]["error_sw"] == "6A82", f"POST /routes makes rt: {st} {body}")
    log2 = f"{tmp}/term2.log"
    check(wait_until(lambda: "< 2F009000" in read_lines(log2)),
          "the terminal got the card (ATR) and its command was answered")
    check("ATR 3B00" in read_lines(log2), "the frontend was told the new ATR")
    st, _, body = d.request("GET", "/api/v1/routes/rt")
    check(st == 200 and body["stats"]["transactions"] == 1, "the run-time route counts its transaction")
    st, _, _ = d.request("DELETE", "/api/v1/routes/rt")
    check(st == 204, "DELETE /routes/rt: 204")
    check(wait_until(lambda: read_lines(log2)[-1:] == ["NOCARD"]), "the terminal saw the card go")
    st, _, body = d.request("GET", "/api/v1/frontends/term2")
    check(st == 200 and body["route"] is None and body["atr"] is None, "term2 is unrouted")
    st, _, body = d.request("POST", "/api/v1/routes", body={"frontend": "term4", "backend": "card2"})
    check(st == 201 and body["name"], "a route without a name gets one")
    st, _, _ = d.request("DELETE", "/api/v1/routes/" + body["name"])
    check(st == 204, "and is removed")


def apdu(d):
    st, _, body = d.request("POST", "/api/v1/backends/card2/apdu", body={"apdu": "00A40004023F00"})
    check(st == 200 and body["response"] == "3F009000" and body["sw"] == "9000", f"APDU shell: {body}")
    st, _, body = d.request("POST", "/api/v1/backends/card2/apdu", body={"apdu": "00 B0 00 00 02"})
    check(st == 200 and body["response"] == "9000", "APDU with spaces")
    st, _, body = d.request("POST", "/api/v1/backends/card/apdu", body={"apdu": "00A40004023F00"})
    check(st == 409 and body["error"] == "busy", "APDU to a routed backend: 409")
    st, _, body = d.request("POST", "/api/v1/backends/nope/apdu", body={"apdu": "00A40004023F00"})
    check(st == 404, "APDU to an unknown backend: 404")
    for bad, why in [({"apdu": "00A4G0"}, "not hex"), ({"apdu": "00A"}, "odd"), ({"apdu": "00A4"}, "short"),
                     ({"apdu": 5}, "a number"), ({}, "missing"), ({"apdu": "00A40004", "x": 1}, "unknown field")]:
        st, _, body = d.request("POST", "/api/v1/backends/card2/apdu", body=bad)
        check(st == 400 and body["error"] == "invalid", f"APDU {why}: 400 {body}")
    st, _, _ = d.request("GET", "/api/v1/backends/card2/apdu")
    check(st == 405, "GET of the APDU shell: 405")


def events(d):
    conn = http.client.HTTPConnection(d.host, d.port, timeout=20)
    conn.request("GET", "/api/v1/events")
    resp = conn.getresponse()
    check(resp.status == 200 and resp.getheader("Content-Type", "").startswith("text/event-stream"),
          "GET /events is an event stream")
    first = resp.readline().decode()
    check(first.startswith(": cardroute event stream"), "the stream says hello")
    st, _, _ = d.request("POST", "/api/v1/routes", body={"frontend": "term3", "backend": "card3", "name": "ev"})
    # term3's events only: term4's command of routes() (its route made and
    # removed at once) may end as a "no-route" transaction after this stream opened
    seen, types = [], set()
    while "transaction" not in types or "card" not in types:
        line = resp.readline().decode()
        if not line:
            break
        if line.startswith("data: "):
            ev = json.loads(line[6:])
            seen.append(ev)
            if ev.get("frontend") == "term3":
                types.add(ev["type"])
    added = [e for e in seen if e["type"] == "route-added"]
    check(added and added[0]["route"] == "ev" and added[0]["frontend"] == "term3", "route-added event")
    card = [e for e in seen if e["type"] == "card" and e.get("frontend") == "term3"]
    check(card and card[0]["atr"] == "3B00", "card event with the ATR")
    tx = [e for e in seen if e["type"] == "transaction" and e.get("frontend") == "term3"]
    check(tx and tx[0]["command"] == "00A40004022F00" and tx[0]["response"] == "2F009000"
          and tx[0]["instruction"] == "SELECT" and tx[0]["route"] == "ev", f"transaction event: {tx[:1]}")
    d.request("DELETE", "/api/v1/routes/ev")
    while True:
        line = resp.readline().decode()
        if not line or (line.startswith("data: ") and json.loads(line[6:])["type"] == "route-removed"):
            break
    check(line.startswith("data: "), "route-removed event")
    conn.close()
    st, _, _ = d.request("GET", "/api/v1/status")
    check(st == 200, "a closed stream leaves the daemon well")


def metrics(d):
    st, resp, text = d.request("GET", "/metrics")
    check(st == 200 and resp.getheader("Content-Type", "").startswith("text/plain"), "GET /metrics")
    check('cardroute_route_transactions_total{route="r1",frontend="term",backend="card"} 2' in text,
          "route counter")
    check('cardroute_route_latency_seconds_bucket{route="r1",frontend="term",backend="card",le="+Inf"} 2'
          in text and "cardroute_route_latency_seconds_count{" in text, "route latency histogram")
    check('cardroute_frontend_slot_state{slot="term",state="present"} 1' in text, "slot state")
    check('cardroute_plugin_instances{plugin="echo",kind="backend",instance="card"} 1' in text,
          "plugin instances")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            if not re.match(r'^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$', line):
                check(False, "metric line format: " + line)
                break


def openapi(d):
    paths = openapi_paths(OPENAPI)
    check(len(paths) >= 10, f"openapi.yaml documents {len(paths)} paths")
    ids = {"frontends": "term", "backends": "card2", "routes": "r1", "instances": "card2"}
    for path, methods in paths:
        real = re.sub(r"/(\w+)/\{id\}", lambda m: f"/{m.group(1)}/{ids[m.group(1)]}", path)
        if "get" in methods:
            if path.endswith("/events"):
                conn = http.client.HTTPConnection(d.host, d.port, timeout=20)
                conn.request("GET", real)
                st = conn.getresponse().status
                conn.close()
            else:
                st, _, _ = d.request("GET", real)
        else:
            st, _, _ = d.request("POST", real, body={"apdu": "00A40004023F00"})
        check(st == 200, f"documented path {path} answers ({real}: {st})")
    # and every /api/v1 path the daemon serves is documented
    documented = {p for p, _ in paths}
    for p in ["/api/v1/status", "/api/v1/routes/{id}", "/api/v1/backends/{id}/apdu", "/metrics"]:
        check(p in documented, f"{p} is documented")


def token(cardrouted, tmp):
    tok = os.path.join(tmp, "token")
    with open(tok, "w") as f:
        f.write("s3cret-token\n")
    d = Daemon(cardrouted, PLUGIN_DIRS, tmp, "token", config(tmp, f"rest-token-file = {tok}\n")
               .replace(f"{tmp}/term", f"{tmp}/tok-term"))
    try:
        check(d.wait_ready(), "daemon with a token starts")
        st, resp, body = d.request("GET", "/api/v1/status")
        check(st == 401 and body["error"] == "auth" and "Bearer" in (resp.getheader("WWW-Authenticate") or ""),
              "no token: 401")
        st, _, body = d.request("GET", "/api/v1/status", headers={"Authorization": "Bearer wrong"})
        check(st == 403 and body["error"] == "auth", "wrong token: 403")
        st, _, _ = d.request("GET", "/api/v1/status", headers={"Authorization": "Bearer s3cret-token"})
        check(st == 200, "right token: 200")
        st, _, _ = d.request("GET", "/metrics")
        check(st == 401, "metrics need the token too")
        st, _, _ = d.request("POST", "/api/v1/routes", raw=b"x" * 100000,
                             headers={"Authorization": "Bearer wrong"})
        check(st == 403, "a wrong token is refused before the body is read")
        st, _, body = d.request("POST", "/api/v1/backends/card2/apdu", body={"apdu": "00A40004023F00"},
                                headers={"Authorization": "Bearer s3cret-token"})
        check(st == 403 and "allow-apdu" in body["message"], "the APDU shell is off by default: 403")
    finally:
        d.stop()


def port_taken(d, tmp):
    other = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "taken",
                   config(tmp).replace("rest = 127.0.0.1:0", f"rest = 127.0.0.1:{d.port}")
                   .replace(f"{tmp}/term", f"{tmp}/taken-term").replace(f"{tmp}/state", f"{tmp}/taken-state"))
    try:
        check(other.wait_log("[router] rest: REST API on 127.0.0.1:"),
              "a taken port: the message names file, section and key")
        check(other.wait_log(f"held by pid {d.proc.pid} (cardrouted)"),
              "a taken port: the message names the process holding it")
        try:
            other.proc.wait(timeout=60)  # it exits by itself
        except subprocess.TimeoutExpired:
            pass
    finally:
        check(other.stop() == 1, "a taken REST port stops the start (exit 1)")


def tls(tmp):
    if shutil.which("openssl") is None:
        print("SKIP: no openssl to make a certificate")
        return
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost"],
                       capture_output=True, timeout=60)
    if not check(r.returncode == 0, "a test certificate"):
        return
    # LeakSanitizer of clang 14 crashes at exit scanning the dynamic TLS of
    # the GnuTLS module's threads ("Tracer caught signal 11"): no leak check
    # for this one process (the other daemons of the suite are checked).
    asan = os.environ.get("ASAN_OPTIONS", "")
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "tls",
               config(tmp, f"rest-tls-cert = {cert}\nrest-tls-key = {key}\n")
               .replace(f"{tmp}/term", f"{tmp}/tls-term").replace(f"{tmp}/state", f"{tmp}/tls-state"),
               env={"ASAN_OPTIONS": (asan + ":" if asan else "") + "detect_leaks=0"})
    try:
        check(d.wait_ready(), "daemon with TLS starts")
        check("REST API listening on https://" in d.output(), "it says https")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(d.host, d.port, timeout=20, context=ctx)
        conn.request("GET", "/api/v1/status")
        resp = conn.getresponse()
        check(resp.status == 200 and json.loads(resp.read())["routes"] == 1, "GET /status over TLS")
        conn.close()
        # the event stream over TLS (written by the daemon on the TLS stream)
        ev = ctx.wrap_socket(socket.create_connection((d.host, d.port), timeout=20))
        ev.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b": cardroute event stream" not in got:
            chunk = ev.recv(65536)
            if not chunk:
                break
            got += chunk
        conn = http.client.HTTPSConnection(d.host, d.port, timeout=20, context=ctx)
        conn.request("POST", "/api/v1/routes", body=json.dumps({"frontend": "term2", "backend": "card2"}),
                     headers={"Content-Type": "application/json"})
        made = conn.getresponse().status
        conn.close()
        while b"event: route-added" not in got:
            chunk = ev.recv(65536)
            if not chunk:
                break
            got += chunk
        check(made == 201 and got.startswith(b"HTTP/1.1 200") and b"\r\nevent: route-added\ndata: {" in got,
              f"the event stream over TLS ({made}, {got[:200]!r})")
        ev.close()
        # an early answer over TLS (413 from the headers, before the body)
        # ends with the TLS close, not a bare TCP FIN under the session
        s = ctx.wrap_socket(socket.create_connection((d.host, d.port), timeout=20),
                            suppress_ragged_eofs=False)
        s.sendall(b"POST /api/v1/routes HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
        got, how = b"", "clean TLS close"
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except ssl.SSLError as e:
            how = f"TLS error {e}"
        except OSError as e:
            how = f"socket error {e}"
        s.close()
        check(got.startswith(b"HTTP/1.1 413") and how == "clean TLS close",
              f"an early answer over TLS ends with a clean TLS close ({got[:20]!r}, {how})")
        conn = http.client.HTTPConnection(d.host, d.port, timeout=20)
        try:
            conn.request("GET", "/api/v1/status")
            plain = conn.getresponse().status
        except (OSError, http.client.HTTPException):
            plain = None
        check(plain != 200, "plain HTTP to the TLS port gets nothing")
    finally:
        check(d.stop() == 0, "TLS daemon exits cleanly")
    bad = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "badtls", config(tmp, f"rest-tls-cert = {cert}\n"))
    bad.proc.wait(timeout=30)
    check(bad.proc.returncode == 1 and "rest-tls-key" in bad.output(), "a cert without a key is a config error")
    bad.stop()


def apdu_timeout(tmp):
    """A card that never answers in time: 504, and the slot is free again."""
    cfg = ("[router]\nrest = 127.0.0.1:0\ndbus = none\nallow-apdu = true\napdu-timeout = 300\n"
           "[backend:slow]\nplugin = echo\nlatency-ms = 600000\n")
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "slow", cfg)
    try:
        check(d.wait_ready(), "daemon with a slow card starts")
        for i in range(2):
            st, _, body = d.request("POST", "/api/v1/backends/slow/apdu", body={"apdu": "00A40004023F00"})
            check(st == 504 and body["error"] == "timeout" and "300 ms" in body["message"],
                  f"APDU shell timeout #{i + 1}: 504 {body}")
    finally:
        check(d.stop() == 0, "slow-card daemon exits cleanly")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "main", config(tmp, "allow-apdu = true\n"))
        try:
            check(d.wait_ready(), "cardrouted starts and says where REST listens")
            basics(d, tmp)
            errors(d)
            route_lifecycle(d, tmp)
            apdu(d)
            events(d)
            metrics(d)
            openapi(d)
            port_taken(d, tmp)
            check(d.proc.poll() is None, "the daemon is still running")
        finally:
            rc = d.stop()
        check(rc == 0, f"SIGTERM: exit 0 (got {rc})")
        if rc != 0:
            print(d.output())
        token(CARDROUTED, tmp)
        apdu_timeout(tmp)
        tls(tmp)
    finish()


main()
