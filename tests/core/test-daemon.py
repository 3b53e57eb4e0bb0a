#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardrouted as a user runs it: --version, --check-config on good and bad
files, a missing plugin, and SIGTERM with a transaction in flight."""
import os
import signal
import subprocess
import sys
import tempfile
import time

CARDROUTED, PLUGIN_DIR = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([CARDROUTED, "--plugin-dir", PLUGIN_DIR, *args],
                          capture_output=True, text=True, timeout=60)


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_for(path, needle, proc, limit=30.0):
    """Waits until `needle` is a line prefix in the file (bounded)."""
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


def config(log, latency, grace=None):
    router = "[router]\nrest =\n" + (f"shutdown-timeout = {grace}\n" if grace is not None else "")
    return (router +
            f"[backend:card]\nplugin = echo\natr = 3B 02 14 50\nlatency-ms = {latency}\n"
            f"[frontend:term]\nplugin = script\ncommands = 00A40004023F00;00B0000002\n"
            f"log = {log}\n"
            "[route:r1]\nfrontend = term\nbackend = card\ntimeout = 60000\n")


def sigterm_in_flight(tmp, grace, expect):
    log = os.path.join(tmp, f"log-{grace}.txt")
    ini = write(tmp, f"sig-{grace}.ini", config(log, 1500, grace))
    proc = subprocess.Popen([CARDROUTED, "--plugin-dir", PLUGIN_DIR, "--config", ini],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        sent = wait_for(log, "> 00A40004023F00", proc)
        check(sent, f"grace {grace}: the command was submitted")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"grace {grace}: exit 0 after SIGTERM (got {proc.returncode})")
    with open(log) as f:
        lines = [l.strip() for l in f]
    print("\n".join("  log: " + l for l in lines))
    i = lines.index("> 00A40004023F00") if "> 00A40004023F00" in lines else -1
    outcome = lines[i + 1] if 0 <= i < len(lines) - 1 else ""
    check(outcome.startswith(expect), f"grace {grace}: in-flight outcome '{outcome}' starts with '{expect}'")
    check(lines[-1] == "STOPPED", f"grace {grace}: the frontend was stopped last")
    check("> 00B0000002" not in lines, f"grace {grace}: no new command after SIGTERM")
    check("all transactions finished" in out or "exiting" in out, f"grace {grace}: says it exits")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        r = run("--version")
        check(r.returncode == 0 and r.stdout.startswith("cardrouted "), "--version")
        r = run("--help")
        check(r.returncode == 0 and "--check-config" in r.stdout, "--help lists --check-config")
        r = run("--bogus")
        check(r.returncode == 1 and "bogus" in r.stderr, "an unknown option is refused")

        good = write(tmp, "good.ini", config(os.path.join(tmp, "x.log"), 0))
        r = run("--check-config", good)
        check(r.returncode == 0, "--check-config good file exits 0")
        check("route:r1 term -> card" in r.stdout, "--check-config prints the route")
        check("backend:card (plugin echo)" in r.stdout, "--check-config prints the instances")
        check(r.stderr == "" and " made" not in r.stdout and "would" in r.stdout,
              "--check-config prints a plan, not log lines: " + r.stderr)

        bad = write(tmp, "bad.ini", config(os.path.join(tmp, "x.log"), 0)
                    .replace("latency-ms = 0", "latency-ms = later"))
        r = run("--check-config", bad)
        check(r.returncode == 1, "--check-config bad file exits 1")
        check(f"{bad}:6: [backend:card] latency-ms: 'later' is not an integer" in r.stderr,
              "--check-config names file, section, key: " + r.stderr.strip())
        check(r.stderr.count("\n") == 1, "one line of error")

        missing = write(tmp, "missing.ini", "[backend:card]\nplugin = nosuchplugin\n")
        r = run("--config", missing)
        check(r.returncode == 1 and "nosuchplugin.so" in r.stderr and r.stderr.count("\n") == 1,
              "a missing plugin stops the start with one clear message: " + r.stderr.strip())

        # SIGTERM while the card takes 1.5 s: the transaction gets its answer
        sigterm_in_flight(tmp, 10000, "< 3F009000")
        # ... or, when the grace is shorter than the card, a cancellation
        sigterm_in_flight(tmp, 100, "! cancelled")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
