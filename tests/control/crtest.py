# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of the control-plane tests: start cardrouted with a temp INI on a
free port (rest = 127.0.0.1:0; the log line names the port), talk HTTP,
stop it by PID. Every wait is bounded."""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

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


class Daemon:
    """cardrouted with a config; .port once it listens."""

    def __init__(self, cardrouted, plugin_dirs, tmp, name, ini, env=None):
        self.tmp = tmp
        self.ini = os.path.join(tmp, name + ".ini")
        self.log = os.path.join(tmp, name + ".out")
        with open(self.ini, "w") as f:
            f.write(ini)
        self.out = open(self.log, "w")
        self.proc = subprocess.Popen([cardrouted, "--plugin-dir", plugin_dirs, "--config", self.ini],
                                     stdout=self.out, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        self.port = None
        self.host = "127.0.0.1"

    def output(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, needle, limit=20.0):
        return wait_until(lambda: needle in self.output(), limit)

    def logged_port(self, pattern, limit=20.0):
        """The port in the log that @pattern (a regular expression, group 1
        the port) finds, waiting for it; None if it does not come. For `:0`
        in the INI: the daemon names the port it bound."""
        found = []

        def seen():
            m = re.search(pattern, self.output())
            if m:
                found.append(int(m.group(1)))
            return bool(found) or self.proc.poll() is not None
        wait_until(seen, limit)
        if not found:  # it exited: what it wrote last is in the file now
            m = re.search(pattern, self.output())
            return int(m.group(1)) if m else None
        return found[0]

    def wait_ready(self, limit=20.0):
        def ready():
            m = re.search(r"REST API listening on https?://[^:/]+:(\d+)/", self.output())
            if m:
                self.port = int(m.group(1))
            return self.port is not None and "running with" in self.output() \
                or self.proc.poll() is not None
        wait_until(ready, limit)
        return self.port is not None and self.proc.poll() is None

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

    def stop(self):
        """SIGTERM; the exit code (the output is printed when it is not 0)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        if self.proc.returncode != 0:
            print(f"--- cardrouted output ({self.log}) ---\n{self.output()}---")
        return self.proc.returncode
