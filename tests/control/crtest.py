# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of the control-plane tests: cardrouted (fixtures.daemon) with a
temp INI on a free port (rest = 127.0.0.1:0; the log line names the port),
talk HTTP, stop it by PID. Every wait is bounded."""
import http.client
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from fixtures import daemon  # noqa: E402

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def finish():
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


def wait_until(pred, limit=20.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def openapi_paths(yaml_path):
    """(path, [methods]) from an OpenAPI YAML, by indentation: no YAML library."""
    paths, current, in_paths = [], None, False
    with open(yaml_path) as f:
        for line in f:
            if line.startswith("paths:"):
                in_paths = True
                continue
            if not in_paths:
                continue
            m = re.match(r"^  (/\S*):\s*$", line)
            if m:
                current = (m.group(1), [])
                paths.append(current)
                continue
            m = re.match(r"^    (get|post|put|delete|patch):\s*$", line)
            if m and current:
                current[1].append(m.group(1))
    return paths


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.rstrip("\n") for l in f]


class Daemon(daemon.Daemon):
    """cardrouted with a config, started at once (the process, its log and
    the waits for a line are fixtures.daemon's); .port once it listens."""
    timeout = 20.0

    def __init__(self, cardrouted, plugin_dirs, tmp, name, ini, env=None):
        super().__init__(cardrouted, plugin_dirs, tmp, ini, name, dict(os.environ, **(env or {})))
        self.tmp = tmp
        self.ini = self.path
        self.logfile = os.path.join(tmp, name + ".out")
        self.port = None
        self.host = "127.0.0.1"
        self.start()

    def output(self):
        """What it wrote so far (all of it once it exited)."""
        self.settle()
        with self.lock:
            return "".join(line + "\n" for line in self.lines)

    def wait_ready(self, limit=20.0):
        """True once the REST port is logged (.port) and the daemon runs."""
        self.port = self.rest_port(limit)
        if self.port is not None:
            self.wait_log("running with", limit)
        return self.port is not None and self.alive()

    def url(self):
        return f"http://{self.host}:{self.port}"

    def request(self, method, path, body=None, headers=None, raw=None):
        """Returns (status, headers, parsed JSON or text)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        conn.close()
        ctype = resp.getheader("Content-Type") or ""
        parsed = text
        if "json" in ctype and text:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        return resp.status, resp, parsed

    def stop(self, timeout=30.0):
        """SIGTERM; the exit code (the output is printed when it is not 0)."""
        proc = self.proc
        rc = super().stop(timeout)
        self.proc = proc  # stopped again: the same code; .proc stays readable
        if rc != 0:
            print(f"--- cardrouted output ({self.logfile}) ---\n{self.output()}---")
        return rc
