#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End to end through the firmware simulator: simulated phone -> firmware core
-> socket -> frontend-simtrace2 -> core -> backend-vcard.

One cardrouted runs for the whole test with `device = sim:SOCKET`. Every
phone script of st2-sim runs against it in turn (st2-sim checks ISO 7816-3
conformance of every exchange; its exit code says whether the script
passed). Each st2-sim exit is an unplug and the next start a replug: the slot
must come back with its route each time. One run is killed in the middle of
the script (unplug mid-APDU) and the next one must pass. A second daemon
with `atr =` checks that the phone gets the configured ATR, and that an
optional tap-gsmtap pcap is decoded by tshark (when TSHARK is set).

Every script runs against both firmware behaviours of the simulator: this
project's firmware (`own`) and the model of the released upstream firmware
(`upstream`). Expected differences: against upstream, `pps-bad` sees every
PPS request echoed (the phone checks the echo and the session goes on).
The reset scripts run once more with the interrupt and bulk IN transfers
handed over in the other order (`--in-order bulk-first`)."""
import os
import signal
import subprocess
import sys
import tempfile
import time

CARDROUTED, ST2_SIM, PLUGIN_DIRS, PROFILE = sys.argv[1:5]
TSHARK = os.environ.get("TSHARK", "")
SCRIPTS = ["gsm", "usim", "cases", "getresponse", "wrongle", "reset", "reset-delay", "pps",
           "pps-bad", "trace"]
FIRMWARES = ["own", "upstream"]
# (script, firmware, extra st2-sim arguments)
RUNS = [(s, fw, []) for fw in FIRMWARES for s in SCRIPTS] + \
       [(s, fw, ["--in-order", "bulk-first"]) for fw in FIRMWARES for s in ["reset", "reset-delay"]]
VCARD_ATR = "3b 9f 96 80 1f c7 80 31 e0 73 fe 21 1b 63 3a 20 4e 83 00 90 00 93"
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


class Daemon:
    def __init__(self, tmp, name, ini_text):
        self.ini = os.path.join(tmp, name + ".ini")
        self.log = os.path.join(tmp, name + ".log")
        with open(self.ini, "w") as f:
            f.write(ini_text)
        self.out = open(self.log, "w")
        env = dict(os.environ, G_MESSAGES_DEBUG="frontend-simtrace2")
        self.proc = subprocess.Popen([CARDROUTED, "--plugin-dir", PLUGIN_DIRS, "--config",
                                      self.ini], stdout=self.out, stderr=subprocess.STDOUT,
                                     env=env)

    def wait_up(self):
        """The daemon logs this once its signal handlers are installed."""
        return self.wait_log("running with")

    def text(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, needle, since=0, limit=20.0):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            exited = self.proc.poll() is not None  # before the read: its last line is in
            if needle in self.text()[since:]:
                return True
            if exited:
                return False
            time.sleep(0.02)
        return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        return self.proc.returncode


def run_sim(sock, script, timeout=40, kill_after_tpdus=None, firmware="own", extra=()):
    """Runs st2-sim on `sock`; returns (exit code, transcript)."""
    args = [ST2_SIM, "--socket", sock, "--script", script, "--timeout", "30",
            "--firmware", firmware] + list(extra)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    end = time.monotonic() + timeout
    try:
        tpdus = 0
        for line in proc.stdout:
            lines.append(line.rstrip())
            if line.startswith("TPDU"):
                tpdus += 1
                if kill_after_tpdus is not None and tpdus >= kill_after_tpdus:
                    proc.kill()
                    break
            if time.monotonic() > end:
                proc.kill()
                lines.append("(test: timeout)")
                break
        rc = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return rc, lines


def main():
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "st2.sock")
        sock_slow = os.path.join(tmp, "st2slow.sock")
        daemon = Daemon(tmp, "main",
                        "[router]\nrest =\n"
                        f"[backend:card]\nplugin = vcard\nprofile = {PROFILE}\n"
                        f"[frontend:phone]\nplugin = simtrace2\ndevice = sim:{sock}\n"
                        "[route:r1]\nfrontend = phone\nbackend = card\n"
                        # a slow card: the unplug comes while a command is with it
                        f"[backend:slow]\nplugin = vcard\nprofile = {PROFILE}\n"
                        "latency-ms = 100000\n"
                        f"[frontend:phone2]\nplugin = simtrace2\ndevice = sim:{sock_slow}\n"
                        "[route:r2]\nfrontend = phone2\nbackend = slow\ntimeout = 0\n")
        try:
            check(daemon.wait_up(), "cardrouted is up")
            check(daemon.wait_log("waiting for the firmware simulator"),
                  "no simulator yet: the frontend waits")
            for script, firmware, extra in RUNS:
                what = f"'{script}' against the {firmware} firmware{' ' if extra else ''}" + \
                       " ".join(extra)
                mark = len(daemon.text())
                rc, lines = run_sim(sock, script, firmware=firmware, extra=extra)
                ok = rc == 0
                check(ok, f"phone script {what} passed through cardrouted (rc {rc})")
                if not ok or script == "gsm":
                    print("\n".join("  st2-sim: " + l for l in lines[-40:]))
                if script == "gsm":
                    atrs = [l[4:] for l in lines if l.startswith("ATR ")]
                    check(atrs and atrs[-1] == VCARD_ATR, "the phone sees the card's ATR")
                if script == "pps-bad" and firmware == "upstream":
                    # the expected difference: every request with a good PCK is
                    # echoed (beyond TA1, T=1, PPS2); the TPDUs after them pass
                    echoes = [l for l in lines if l.startswith("PPS ") and "(echo)" in l]
                    check(len(echoes) == 3, f"{what}: the phone sees 3 echoed PPS requests "
                          f"({echoes})")
                    check(sum(1 for l in lines if l.startswith("TPDU")) == 3,
                          f"{what}: the session goes on after each echo")
                check(daemon.wait_log("phone: down", since=mark),
                      f"{what}: the simulator's exit is seen as an unplug")
            # unplug in the middle of a script, then the next one passes
            mark = len(daemon.text())
            run_sim(sock, "usim", kill_after_tpdus=1)
            check(daemon.wait_log("phone: down", since=mark), "unplug mid-script noticed")
            rc, lines = run_sim(sock, "reset")
            check(rc == 0, f"after the unplug, the next phone script passes (rc {rc})")

            # unplug while a command is with the card (phone2's card holds
            # every answer for 100 s): the transaction gets its outcome
            mark = len(daemon.text())
            proc = subprocess.Popen([ST2_SIM, "--socket", sock_slow, "--script", "gsm",
                                     "--quiet"], stdout=subprocess.DEVNULL)
            try:
                check(daemon.wait_log("phone2: command", since=mark),
                      "phone2's first command went to the (slow) card")
            finally:
                proc.kill()
                proc.wait()
            check(daemon.wait_log("phone2: down", since=mark), "phone2 unplugged")
            check("phone2: terminal power off" in daemon.text()[mark:],
                  "the command in flight ended (power off to the core)")
            mark = len(daemon.text())
            proc = subprocess.Popen([ST2_SIM, "--socket", sock_slow, "--script", "gsm",
                                     "--quiet"], stdout=subprocess.DEVNULL)
            try:
                check(daemon.wait_log("phone2: present", since=mark), "phone2 replugged")
                check(daemon.wait_log("phone2: command", since=mark),
                      "phone2 works again after the replug")
            finally:
                proc.kill()
                proc.wait()
            check(daemon.wait_log("phone2: down", since=mark), "phone2 unplugged again")
            text = daemon.text()
            check("phone: bound to sim:" in text, "the slot was bound")
            check(text.count("phone: present") >= len(RUNS),
                  "the slot came back after every replug")
            check("terminal warm reset" in text, "warm resets reached the core")
        finally:
            rc = daemon.stop()
        check(rc == 0, f"cardrouted exits 0 on SIGTERM (got {rc})")
        check("CRITICAL" not in daemon.text(), "no criticals in the daemon log")
        if failures:
            print("\n".join("  daemon: " + l for l in daemon.text().splitlines()[-80:]))

        # `atr =` overrides the card's ATR; tap-gsmtap writes the local path
        pcap = os.path.join(tmp, "st2.pcap")
        sock2 = os.path.join(tmp, "st2b.sock")
        daemon = Daemon(tmp, "atr",
                        "[router]\nrest =\n"
                        f"[backend:card]\nplugin = vcard\nprofile = {PROFILE}\n"
                        f"[frontend:phone]\nplugin = simtrace2\ndevice = sim:{sock2}\n"
                        "atr = 3B 00\nmodem-reset = true\n"
                        "[route:r1]\nfrontend = phone\nbackend = card\n"
                        f"[tap:trace]\nplugin = gsmtap\nfile = {pcap}\n")
        try:
            check(daemon.wait_up(), "second cardrouted is up")
            rc, lines = run_sim(sock2, "trace")
            check(rc == 0, f"'trace' with atr = 3B 00 passed (rc {rc})")
            atrs = [l[4:] for l in lines if l.startswith("ATR ")]
            check(atrs and atrs[-1] == "3b 00", f"the phone sees the configured ATR ({atrs})")
        finally:
            rc = daemon.stop()
        check(rc == 0, f"second cardrouted exits 0 (got {rc})")
        if TSHARK:
            out = subprocess.run([TSHARK, "-r", pcap, "-Y", "gsm_sim"], capture_output=True,
                                 text=True, timeout=60)
            print("\n".join("  tshark: " + l for l in out.stdout.splitlines()))
            check(out.returncode == 0, "tshark reads the pcap")
            check("SELECT" in out.stdout and "GET RESPONSE" in out.stdout,
                  "tshark decodes SELECT and GET RESPONSE from the simtrace2 route")
            check("Malformed" not in out.stdout, "nothing malformed")
        else:
            print("tshark not found: pcap decoding not checked")

        # no USB here: `device = usb` waits for a board, the slot stays down
        daemon = Daemon(tmp, "usb",
                        "[router]\nrest =\n"
                        f"[backend:card]\nplugin = vcard\nprofile = {PROFILE}\n"
                        "[frontend:phone]\nplugin = simtrace2\n"
                        "[route:r1]\nfrontend = phone\nbackend = card\n")
        try:
            check(daemon.wait_up(), "third cardrouted is up")
            check(daemon.wait_log("waiting for a SIMtrace2 board"),
                  "device = usb without a board: 'waiting for a SIMtrace2 board'")
            # the plugin says so before cardrouted handles SIGTERM: wait for that too
            check(daemon.wait_log("running with"), "cardrouted runs without a board")
        finally:
            rc = daemon.stop()
        check(rc == 0, f"cardrouted without a board exits 0 (got {rc})")
        check("phone: present" not in daemon.text(), "the slot stays down")
        # configuration errors name the key
        for key, value in [("device", "serial"), ("atr", "3B"), ("slots", "0"),
                           ("presence-polarity", "up"), ("colour", "red")]:
            ini = os.path.join(tmp, "bad.ini")
            with open(ini, "w") as f:
                f.write(f"[router]\nrest =\n[frontend:phone]\nplugin = simtrace2\n{key} = {value}\n")
            out = subprocess.run([CARDROUTED, "--plugin-dir", PLUGIN_DIRS, "--check-config",
                                  ini], capture_output=True, text=True, timeout=30)
            check(out.returncode == 1 and key in out.stdout + out.stderr,
                  f"'{key} = {value}' is refused naming the key")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
