#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""REST tokens with scopes, with a real HTTP client: read may GET (API, event
stream, metrics), admin may change; no token 401, a wrong one 403; 100 wrong
tokens from one address give 429 with Retry-After while another address is
served, and the address is served again after the window; the refusals in
/metrics; token-file, read-token/admin-token and the old rest-token-file;
bad token files refused at start naming the line; without any token only
loopback clients are served. Runs in a network namespace of its own, where
a second address on lo (not in 127/8) stands for another host.

usage: test-rest-scopes.py CARDROUTED PLUGIN_DIRS"""
import http.client
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OTHER = "10.77.0.1"  # the dummy interface's address: not loopback


def isolate():
    if os.environ.get("CR_SCOPES_ISOLATED") == "1":
        return
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        print("SKIP: needs root, unshare and ip for a network namespace", flush=True)
        sys.exit(77)
    sys.stdout.flush()
    # a second address on lo: local, but not a loopback address (127/8, ::1)
    script = f"ip link set lo up && ip addr add {OTHER}/32 dev lo && exec \"$@\""
    os.execvpe("unshare", ["unshare", "--net", "--fork", "--kill-child", "--", "sh", "-c", script,
                           "sh", sys.executable, *sys.argv],
               dict(os.environ, CR_SCOPES_ISOLATED="1"))


isolate()
sys.path.insert(0, HERE)
from crtest import Daemon, check, finish, wait_until  # noqa: E402

CARDROUTED, PLUGIN_DIRS = sys.argv[1], sys.argv[2]
ADMIN = "admin-token-abcdefghijklmnop"
READ = "read-token-abcdefghijklmnop"
ADMIN_INI = "admin-ini-token-0123456789"
READ_INI = "read-ini-token-0123456789"


def config(tmp, router):
    return (f"[router]\ndbus = none\n{router}"
            "[backend:card]\nplugin = echo\natr = 3B 00\n"
            "[backend:card2]\nplugin = echo\natr = 3B 00\n"
            "[frontend:term]\nplugin = script\ncommands = 00A40004023F00\n"
            f"log = {tmp}/term.log\n"
            "[frontend:term2]\nplugin = script\ncommands = 00A40004023F00\n"
            f"log = {tmp}/term2.log\n"
            "[route:r1]\nfrontend = term\nbackend = card\n")


def call(port, method, path, token=None, host="127.0.0.1", source=None, body=None):
    conn = http.client.HTTPConnection(host, port, timeout=20,
                                      source_address=(source, 0) if source else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp.status, resp, text


def first_event_line(port, token):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    ctype = resp.getheader("Content-Type") or ""
    conn.close()
    return resp.status, ctype


def scopes(tmp):
    tokens = os.path.join(tmp, "tokens")
    with open(tokens, "w") as f:
        f.write(f"# scope token\nadmin {ADMIN}\n\n  read\t{READ}  \n")
    os.chmod(tokens, 0o600)
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "scopes", config(tmp, (
        f"rest = 0.0.0.0:0\ntoken-file = tokens\nread-token = {READ_INI}\n"
        f"admin-token = {ADMIN_INI}\nauth-fail-window = 3\n")))
    try:
        check(d.wait_ready(), "daemon with token-file (relative to the INI) and INI tokens starts")
        p = d.port
        st, resp, _ = call(p, "GET", "/api/v1/status")
        check(st == 401 and "Bearer" in (resp.getheader("WWW-Authenticate") or ""),
              "no token: 401 with WWW-Authenticate")
        check(call(p, "GET", "/")[0] == 200 and call(p, "GET", "/ui/app.js")[0] == 200,
              "the console's files need no token (they hold no data)")
        for token, name in ((READ, "read (file)"), (READ_INI, "read (INI)")):
            check(call(p, "GET", "/api/v1/routes", token)[0] == 200, f"{name}: GET 200")
            check(call(p, "GET", "/metrics", token)[0] == 200, f"{name}: metrics 200")
            st, ctype = first_event_line(p, token)
            check(st == 200 and ctype.startswith("text/event-stream"), f"{name}: event stream 200")
            st, _, text = call(p, "POST", "/api/v1/routes", token,
                               body='{"frontend": "term2", "backend": "card2"}')
            check(st == 403 and "read scope" in text, f"{name}: POST 403 ({st} {text.strip()})")
            check(call(p, "DELETE", "/api/v1/routes/r1", token)[0] == 403, f"{name}: DELETE 403")
            st, _, text = call(p, "GET", "/api/v1/session", token)
            check(st == 200 and '"scope": "read"' in text, f"{name}: session says read")
        check(call(p, "GET", "/api/v1/routes/r1", ADMIN)[0] == 200, "the route survived the read tokens")
        for token, name in ((ADMIN, "admin (file)"), (ADMIN_INI, "admin (INI)")):
            st, _, text = call(p, "POST", "/api/v1/routes", token,
                               body='{"frontend": "term2", "backend": "card2", "name": "r2"}')
            check(st == 201, f"{name}: POST 201 ({st} {text.strip()})")
            check(call(p, "DELETE", "/api/v1/routes/r2", token)[0] == 204, f"{name}: DELETE 204")
        st, _, text = call(p, "GET", "/api/v1/session", ADMIN)
        check(st == 200 and '"scope": "admin"' in text and '"token_required": true' in text,
              "admin: session says admin")
        # a prefix, a longer token, another case: all wrong
        for wrong in (ADMIN[:-1], ADMIN + "x", ADMIN.upper()):
            check(call(p, "GET", "/api/v1/status", wrong)[0] == 403, f"near miss {wrong[:12]}...: 403")

        # 100 wrong tokens from one address (the limit is 10; 3 above)
        statuses = [call(p, "GET", "/api/v1/status", f"guess-{i:04d}-abcdefghijkl")[0]
                    for i in range(100)]
        check(statuses[:7] == [403] * 7 and statuses[7:] == [429] * 93,
              f"100 wrong tokens: 403 until the limit, then 429 ({statuses.count(403)} x 403, "
              f"{statuses.count(429)} x 429)")
        st, resp, text = call(p, "GET", "/api/v1/status", ADMIN)
        retry = resp.getheader("Retry-After")
        check(st == 429 and retry is not None and 1 <= int(retry) <= 3 and "rate-limited" in text,
              f"blocked: even the right token gets 429 with Retry-After ({st}, {retry})")
        st, _, _ = call(p, "GET", "/api/v1/status", ADMIN, host=OTHER, source=OTHER)
        check(st == 200, f"another address ({OTHER}) is served meanwhile")
        st, _, text = call(p, "GET", "/metrics", READ, host=OTHER, source=OTHER)
        check(st == 200 and 'cardroute_rest_auth_refused_total{reason="wrong"} 10' in text
              and 'cardroute_rest_auth_refused_total{reason="rate-limited"} 94' in text
              and "cardroute_rest_auth_blocked_addresses 1" in text
              and 'cardroute_rest_auth_refused_total{reason="scope"} 4' in text
              and 'cardroute_rest_auth_refused_total{reason="missing"} 1' in text,
              "metrics count the refusals by reason")
        check(wait_until(lambda: call(p, "GET", "/api/v1/status", ADMIN)[0] == 200, 15),
              "after the window the address is served again")
        check("wrong tokens; refused (429)" in d.output(), "the log says which address was blocked")
        st, resp, page = call(p, "GET", "/ui/")
        csp = resp.getheader("Content-Security-Policy") or ""
        check(st == 200 and "script-src 'self'" in csp and "unsafe" not in csp
              and "frame-ancestors 'none'" in csp
              and resp.getheader("X-Content-Type-Options") == "nosniff",
              f"the console comes with a CSP that forbids inline scripts ({csp})")
        check("<script type=\"module\" src=" in page and "<script>" not in page
              and " on" + "click=" not in page, "the page itself has no inline script")
        st, resp, _ = call(p, "GET", "/ui/app.js")
        check("javascript" in (resp.getheader("Content-Type") or ""), "modules as text/javascript")
        for bad in ("/ui/../index.html", "/ui/.hidden", "/ui/nope.js", "/ui/a/b.js"):
            check(call(p, "GET", bad)[0] != 200, f"{bad}: not served")
        check(call(p, "POST", "/", ADMIN, body="{}")[0] == 405, "POST /: 405")
    finally:
        check(d.stop() == 0, "scopes daemon stops cleanly")


def legacy_and_loopback(tmp):
    old = os.path.join(tmp, "old-token")
    with open(old, "w") as f:
        f.write("s3cret!@#\n")  # the old key took any printable token
    os.chmod(old, 0o600)
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "legacy",
               config(tmp, f"rest = 127.0.0.1:0\nrest-token-file = {old}\n"))
    try:
        check(d.wait_ready(), "daemon with the old rest-token-file starts")
        st, _, _ = call(d.port, "POST", "/api/v1/routes", "s3cret!@#",
                        body='{"frontend": "term2", "backend": "card2", "name": "r2"}')
        check(st == 201, "rest-token-file: its one token may change (admin)")
    finally:
        check(d.stop() == 0, "legacy daemon stops cleanly")

    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "open", config(tmp, "rest = 0.0.0.0:0\n"))
    try:
        check(d.wait_ready(), "daemon without tokens on 0.0.0.0 starts")
        check("loopback clients only" in d.output(), "its log says loopback clients only")
        check(call(d.port, "GET", "/api/v1/status")[0] == 200, "no token: loopback is served")
        st, _, text = call(d.port, "GET", "/api/v1/status", host=OTHER, source=OTHER)
        check(st == 403 and "loopback" in text, f"no token: {OTHER} gets 403 ({st})")
        st, _, text = call(d.port, "GET", "/", host=OTHER, source=OTHER)
        check(st == 403, "no token: not even the console's files for other addresses")
        st, _, text = call(d.port, "GET", "/metrics")
        check('cardroute_rest_auth_refused_total{reason="not-loopback"} 2' in text,
              "metrics count the refused addresses")
    finally:
        check(d.stop() == 0, "open daemon stops cleanly")


def bad_files(tmp):
    cases = [
        ("admin short\n", "line 1: a token needs at least 16 characters"),
        (f"# ok\nadmin {ADMIN}\nroot {READ}\n", "line 3: unknown scope"),
        (f"admin {ADMIN} extra\n", "line 1: want 'SCOPE TOKEN'"),
        (f"admin {ADMIN}\nread {ADMIN}\n", "line 2: the same token is given twice"),
        ("read bad\"token-0123456789\n", "line 1: a token is letters"),
    ]
    for i, (text, want) in enumerate(cases):
        path = os.path.join(tmp, f"bad-{i}")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        ini = os.path.join(tmp, f"bad-{i}.ini")
        with open(ini, "w") as f:
            f.write(config(tmp, f"rest = 127.0.0.1:0\ntoken-file = {path}\n"))
        r = subprocess.run([CARDROUTED, "--plugin-dir", PLUGIN_DIRS, "--check-config", ini],
                           capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        check(r.returncode != 0 and want in out and "token-file" in out,
              f"bad token file refused: {want}")


def main():
    with tempfile.TemporaryDirectory(prefix="cr-scopes-") as tmp:
        scopes(tmp)
        legacy_and_loopback(tmp)
        bad_files(tmp)
    finish()


main()
