#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""cardrouted under a service manager: readiness through $NOTIFY_SOCKET
(READY, RELOADING, STOPPING), SIGHUP reloads (a new route starts serving, the
old one is left alone, a bad file changes nothing), [router] log-level and
--debug on plain stderr lines, and journald records with their fields when
stderr is the journal (a private journal socket in a mount namespace)."""
import os
import re
import shutil
import signal
import socket
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


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def lines_of(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [l.rstrip("\n") for l in f]


def wait_until(pred, proc, limit=30.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if pred():
            return True
        if proc is not None and proc.poll() is not None:
            return pred()
        time.sleep(0.02)
    return False


def route(n, log, extra_router=""):
    return (f"[backend:card{n}]\nplugin = echo\natr = 3B 02 14 5{n}\n"
            f"[frontend:term{n}]\nplugin = script\ncommands = 00A40004023F00\nlog = {log}\n"
            f"[route:r{n}]\nfrontend = term{n}\nbackend = card{n}\n")


class Notify:
    """The service manager's end of $NOTIFY_SOCKET."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(30)

    def next(self):
        try:
            data = self.sock.recv(4096).decode()
        except socket.timeout:
            return {}
        return dict(l.split("=", 1) for l in data.split("\n") if "=" in l)

    def close(self):
        self.sock.close()


def start(ini, env_extra, *args, stderr_path):
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    env.update(env_extra)
    err = open(stderr_path, "w")
    try:
        return subprocess.Popen([CARDROUTED, "--plugin-dir", PLUGIN_DIR, *args, "--config", ini],
                                stdout=subprocess.DEVNULL, stderr=err, env=env)
    finally:
        err.close()


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def notify_and_reload(tmp):
    log1, log2 = os.path.join(tmp, "term1.log"), os.path.join(tmp, "term2.log")
    ini = write(os.path.join(tmp, "ops.ini"), "[router]\nrest =\n" + route(1, log1))
    errp = os.path.join(tmp, "ops.err")
    n = Notify(os.path.join(tmp, "notify.sock"))
    proc = start(ini, {"NOTIFY_SOCKET": os.path.join(tmp, "notify.sock")}, stderr_path=errp)
    try:
        m = n.next()
        check(m.get("READY") == "1", f"READY=1 after start ({m})")
        check(m.get("MAINPID") == str(proc.pid), "MAINPID is the daemon's pid")
        check(wait_until(lambda: "DONE" in lines_of(log1), proc), "route r1 serves")

        # a new route comes with SIGHUP; r1 is not touched
        write(ini, "[router]\nrest =\n" + route(1, log1) + route(2, log2))
        proc.send_signal(signal.SIGHUP)
        m = n.next()
        check(m.get("RELOADING") == "1" and m.get("MONOTONIC_USEC", "").isdigit(),
              f"RELOADING=1 with MONOTONIC_USEC ({m})")
        m = n.next()
        check(m.get("READY") == "1" and "reloaded" in m.get("STATUS", ""),
              f"READY=1 after the reload ({m})")
        check(wait_until(lambda: "DONE" in lines_of(log2), proc), "route r2 serves after SIGHUP")
        l1 = lines_of(log1)
        # (the reload validates the file in a scratch router whose own,
        # never started, script instance may add a NOCARD line: not counted)
        check(l1.count("ATR 3B021451") == 1 and l1.count("DONE") == 1 and "STOPPED" not in l1,
              f"route r1 kept serving untouched: {l1}")

        # a bad edit changes nothing
        write(ini, "[router]\nrest =\n" + route(1, log1) + route(2, log2).replace(
            "atr = 3B 02 14 52", "atr = nothex"))
        proc.send_signal(signal.SIGHUP)
        m = n.next()
        check(m.get("RELOADING") == "1", "RELOADING=1 for the bad file")
        m = n.next()
        check(m.get("READY") == "1" and "refused" in m.get("STATUS", ""),
              f"READY=1 with the refusal in STATUS ({m})")
        check(proc.poll() is None, "the daemon still runs after a bad reload")
        err = "\n".join(lines_of(errp))
        check("reload refused" in err and "[backend:card2] atr" in err,
              "the refusal names section and key")
        l2 = lines_of(log2)
        check(l2.count("ATR 3B021452") == 1 and "STOPPED" not in l2, f"route r2 untouched: {l2}")

        proc.send_signal(signal.SIGTERM)
        m = n.next()
        check(m.get("STOPPING") == "1", f"STOPPING=1 on SIGTERM ({m})")
        check(stop(proc) == 0, "exit 0")
    finally:
        stop(proc)
        n.close()

    # abstract socket names ('@...') work too
    write(ini, "[router]\nrest =\n" + route(1, log1))
    name = f"@cardroute-test-{os.getpid()}"
    n = Notify("\0" + name[1:])
    proc = start(ini, {"NOTIFY_SOCKET": name}, stderr_path=errp)
    try:
        m = n.next()
        check(m.get("READY") == "1", "READY=1 on an abstract NOTIFY_SOCKET")
    finally:
        stop(proc)
        n.close()


PLAIN = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} (\w+) ([\w-]+): (.*)$")


def log_levels(tmp):
    log1 = os.path.join(tmp, "lv.log")
    errp = os.path.join(tmp, "lv.err")
    ini = write(os.path.join(tmp, "lv.ini"), "[router]\nrest =\n" + route(1, log1))
    proc = start(ini, {}, stderr_path=errp)
    wait_until(lambda: "DONE" in lines_of(log1), proc)
    stop(proc)
    err = lines_of(errp)
    check(all(PLAIN.match(l) for l in err), f"plain lines 'HH:MM:SS.mmm level domain: text': {err[:3]}")
    check(any(PLAIN.match(l) and PLAIN.match(l).group(1) == "message" and
              "running with" in l for l in err), "the start message at the default level")
    check(not any(" debug " in l for l in err), "no debug lines by default")

    write(ini, "[router]\nrest =\nlog-level = warning\n" + route(1, log1))
    proc = start(ini, {}, stderr_path=errp)
    wait_until(lambda: lines_of(log1).count("DONE") == 2, proc)
    stop(proc)
    check(not any("running with" in l for l in lines_of(errp)),
          "log-level = warning hides messages")

    proc = start(ini, {}, "--debug", "cardroute", stderr_path=errp)
    wait_until(lambda: lines_of(log1).count("DONE") == 3, proc)
    stop(proc)
    err = lines_of(errp)
    check(any(" debug cardroute: " in l for l in err), "--debug cardroute shows the core's debug")

    proc = start(ini, {"G_MESSAGES_DEBUG": "cardroute"}, stderr_path=errp)
    wait_until(lambda: lines_of(log1).count("DONE") == 4, proc)
    stop(proc)
    check(any(" debug cardroute: " in l for l in lines_of(errp)),
          "G_MESSAGES_DEBUG=cardroute works as --debug does")

    write(ini, "[router]\nrest =\nlog-level = chatty\n" + route(1, log1))
    r = subprocess.run([CARDROUTED, "--plugin-dir", PLUGIN_DIR, "--check-config", ini],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 1 and "[router] log-level" in r.stderr,
          "an unknown log-level is refused: " + r.stderr.strip())


def journald(tmp):
    """stderr is the journal: records go to /run/systemd/journal/socket,
    which a mount namespace points at a socket of ours."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("skip: journald part needs root and unshare")
        return
    jsock = os.path.join(tmp, "journal.sock")
    j = Notify(jsock)
    j.sock.settimeout(2)
    log1 = os.path.join(tmp, "j.log")
    ini = write(os.path.join(tmp, "j.ini"), "[router]\nrest =\n" + route(1, log1))
    errp = os.path.join(tmp, "j.err")
    err = open(errp, "w")
    st = os.fstat(err.fileno())
    env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
    script = ("mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal && "
              ": > /run/systemd/journal/socket && "
              f"mount --bind '{jsock}' /run/systemd/journal/socket && exec \"$@\"")
    proc = subprocess.Popen(["unshare", "--mount", "--", "sh", "-c", script, "sh", CARDROUTED,
                             "--plugin-dir", PLUGIN_DIR, "--config", ini],
                            stdout=subprocess.DEVNULL, stderr=err, env=env)
    err.close()
    records = []
    try:
        end = time.monotonic() + 30
        while time.monotonic() < end and proc.poll() is None:
            try:
                data = j.sock.recv(65536)
            except socket.timeout:
                continue
            rec = {}
            for line in data.decode(errors="replace").split("\n"):
                if "=" in line:
                    k, v = line.split("=", 1)
                    rec[k] = v
            records.append(rec)
            if "DONE" in lines_of(log1) and any("running with" in r.get("MESSAGE", "")
                                                for r in records):
                break
    finally:
        stop(proc)
        j.close()
    if proc.returncode not in (0, None) and not records:
        print("skip: could not set up a private journal socket:", lines_of(errp))
        return
    running = [r for r in records if "running with" in r.get("MESSAGE", "")]
    check(len(running) == 1, f"the start message reached the journal socket ({len(records)} records)")
    if running:
        r = running[0]
        check(r.get("PRIORITY") == "5" and r.get("SYSLOG_IDENTIFIER") == "cardrouted"
              and r.get("GLIB_DOMAIN") == "cardroute", f"journal fields: {r}")
    check(not any("running with" in l for l in lines_of(errp)),
          "nothing duplicated on stderr when it is the journal")
    check(any(r.get("CR_ROUTE") == "r1" and r.get("MESSAGE", "").startswith("r1: ")
              for r in records), "a record about route r1 has CR_ROUTE=r1")
    check(any(r.get("CR_SLOT") == "card1" and r.get("MESSAGE", "").startswith("card1: ")
              for r in records), "a record about slot card1 has CR_SLOT=card1")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        notify_and_reload(tmp)
        log_levels(tmp)
        journald(tmp)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)


main()
