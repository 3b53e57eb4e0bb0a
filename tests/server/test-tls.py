#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""RSPRO over TLS with mutual certificates, three roles on loopback.

A PKI is made at test time (tools/make-test-pki.sh, never committed). The
server listens plain and TLS; the bank (two slots, two virtual cards) has a
plain `listen` and a `listen-tls`, and reaches the server over TLS. A TLS
client (C7, certificate rspro:client:7) is sent to the bank's TLS address and
gets APDUs answered, while a plain client (C9) is sent to the plain address of
the same bank. A capture of the TLS link holds none of the APDU bytes in clear
(the plain link's capture does). Refused, each with its log line and counter:
a certificate from another CA, client 8's certificate claiming client 7
(server and bank), an expired certificate, a plain RSPRO client on the TLS
port, bank 2's certificate at bank 1's address (the client refuses).
Handshake garbage and silent connections on the bank's TLS port do not
disturb the working client, and the silent ones are closed at the handshake
timeout.

usage: test-tls.py CARDROUTED PLUGIN_DIRS MAKE_PKI VCARD_PROFILE"""
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from srvtest import (BANK_LISTENS, BANK_TLS_LISTENS, SERVER_TLS_LISTENS, Daemon,  # noqa: E402
                     Server, check, finish, server_ini, wait_until)
import rsprotest  # noqa: E402
import srvtest  # noqa: E402

cardrouted, plugin_dirs, make_pki, profile = sys.argv[1:5]
tmp = tempfile.mkdtemp(prefix="cr-tls-")
pki = os.path.join(tmp, "pki")
APDU = "A0A40000023F00"  # GSM SELECT MF


def tls_keys(name):
    return f"tls-ca = pki/ca.pem\ntls-cert = pki/{name}.pem\ntls-key = pki/{name}.key\n"


def client_ini(server_port, client_id, cert=None):
    return srvtest.client_ini(server_port, client_id,
                              extra=f"tls = on\n{tls_keys(cert)}" if cert else "")


def bank_ini(bank_id, cert, tls_port=0, plain_port=None, server_port=None, slots=2):
    """Port 0: the bank picks one and logs it (BANK_LISTENS, BANK_TLS_LISTENS)."""
    ini = f"""[router]
rest = 127.0.0.1:0
dbus = none
[backend:card0]
plugin = vcard
profile = {profile}
[backend:card1]
plugin = vcard
profile = {profile}
[frontend:bank]
plugin = rspro-bank
listen = {f"127.0.0.1:{plain_port}" if plain_port is not None else ""}
listen-tls = 127.0.0.1:{tls_port}
bank-id = {bank_id}
slots = {slots}
{tls_keys(cert)}"""
    if server_port:
        ini += f"server = 127.0.0.1:{server_port}\nserver-tls = on\n"
    for i in range(slots):
        ini += f"[route:r{i}]\nfrontend = bank.{i}\nbackend = card{i}\n"
    return ini


def apdu_ok(client):
    st, _, body = client.request("POST", "/api/v1/backends/sim/apdu", body={"apdu": APDU})
    return st == 200 and isinstance(body, dict) and len(body.get("response", "")) >= 4


def metric(d, name):
    st, _, text = d.request("GET", "/metrics")
    total = 0
    for line in (text if st == 200 else "").splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def map_(server, bank_id, bank_slot, client_id):
    st, _, _ = server.api("POST", "/slotmaps", body={
        "bank": {"bankId": bank_id, "slotNr": bank_slot}, "client": {"clientId": client_id,
                                                                    "slotNr": 0}})
    return check(st == 201, f"slotmap B{bank_id}:{bank_slot} <-> C{client_id}:0 made")


class Capture:
    """tshark on lo for one TCP port, written to a pcap file."""

    def __init__(self, port):
        self.file = os.path.join(tmp, f"cap-{port}.pcap")
        # stderr to a file: a pipe nobody reads would stall tshark and lose
        # packets
        self.err = open(os.path.join(tmp, f"cap-{port}.err"), "w+")
        self.proc = subprocess.Popen(["tshark", "-q", "-i", "lo", "-f", f"tcp port {port}",
                                      "-w", self.file], stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        wait_until(lambda: "Capturing on" in open(self.err.name).read()
                   or self.proc.poll() is not None)

    def file_hex(self):
        with open(self.file, "rb") as f:
            return f.read().hex()

    def payload_hex(self, until=None):
        """The whole capture file as hex: the search covers every byte
        tshark saw, whatever it decodes the payload as. @until: waits for it
        on the file first (libpcap hands packets over in blocks, so the
        last ones reach the file a little after they crossed lo)."""
        if until is not None:
            wait_until(lambda: os.path.exists(self.file) and until(self.file_hex()), 15)
        self.proc.send_signal(signal.SIGINT)  # as Ctrl-C: dumpcap flushes the file
        self.proc.wait(timeout=20)
        p = subprocess.run(["tshark", "-r", self.file, "-q", "-z", "conv,tcp"],
                           capture_output=True, text=True, timeout=60)
        self.conversations = p.stdout
        with open(self.file, "rb") as f:
            return f.read().hex()


if not check(shutil.which("tshark") is not None, "tshark is installed"):
    finish()
subprocess.run([make_pki, pki, "server=rspro:server", "bank1=rspro:bank:1",
                "bank2=rspro:bank:2", "client7=rspro:client:7", "client8=rspro:client:8",
                "client9=rspro:client:9", "other-client7=rspro:client:7",
                "expired-client7=rspro:client:7", "soon-client7=rspro:client:7"], check=True, timeout=120)

# every listener on port 0: each daemon logs the port it got
server = Server(cardrouted, plugin_dirs, tmp, "server", server_ini(
    os.path.join(tmp, "state.json"),
    section_extra="listen-tls = 127.0.0.1:0\n" + tls_keys("server")))
daemons = [server]
try:
    check(server.wait_ready(), "the server runs (plain and TLS)")
    srv_plain, srv_tls = server.rspro_port, server.logged_port(SERVER_TLS_LISTENS)
    check(srv_tls is not None, "the server's TLS listener is up")
    bank = Daemon(cardrouted, plugin_dirs, tmp, "bank",
                  bank_ini(1, "bank1", 0, 0, srv_tls))
    daemons.append(bank)
    check(bank.wait_ready(), "the bank runs")
    bank_plain, bank_tls = bank.logged_port(BANK_LISTENS), bank.logged_port(BANK_TLS_LISTENS)
    check(wait_until(lambda: len(server.api("GET", "/banks")[2]["banks"]) == 1),
          "bank 1 registers with the server over TLS")
    check(server.wait_log(f"clients go to 127.0.0.1:{bank_plain}"),
          "the bank announces its plain address")

    cap_tls, cap_plain = Capture(bank_tls), Capture(bank_plain)
    c7 = Daemon(cardrouted, plugin_dirs, tmp, "client7", client_ini(srv_tls, 7, "client7"))
    c9 = Daemon(cardrouted, plugin_dirs, tmp, "client9", client_ini(srv_plain, 9))
    daemons += [c7, c9]
    check(c7.wait_ready() and c9.wait_ready(), "the TLS client C7 and the plain client C9 run")
    map_(server, 1, 0, 7)
    map_(server, 1, 1, 9)
    check(wait_until(lambda: apdu_ok(c7), 30), "TLS: client -> server -> bank -> card, answered")
    check(wait_until(lambda: apdu_ok(c9), 30), "plain client on the same bank's `listen`")
    check(c7.wait_log(f"at 127.0.0.1:{bank_tls}"), "the TLS client was sent to the TLS address")
    check(c9.wait_log(f"at 127.0.0.1:{bank_plain}"), "the plain client to the plain one")
    for _ in range(5):
        apdu_ok(c7)
        apdu_ok(c9)
    tls_bytes = cap_tls.payload_hex(lambda h: h.count("170303") >= 8)
    plain_bytes = cap_plain.payload_hex(lambda h: APDU.lower()[:10] in h)
    check(tls_bytes.count("170303") >= 8 and str(bank_tls) in cap_tls.conversations,
          f"the TLS link was captured ({len(tls_bytes) // 2} bytes, "
          f"{tls_bytes.count('170303')} TLS application data records or more)")
    check(APDU.lower()[:10] in plain_bytes, "the plain capture shows the APDU (the check works)")
    check(APDU.lower()[:10] not in tls_bytes, "the TLS capture holds none of the APDU bytes in clear")

    # SIGHUP: the bank's certificate is replaced; new handshakes get the new
    # one, the established link stays
    def bank_cert_der():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(os.path.join(pki, "ca.pem"))
        ctx.load_cert_chain(os.path.join(pki, "client7.pem"), os.path.join(pki, "client7.key"))
        with socket.create_connection(("127.0.0.1", bank_tls), timeout=20) as raw:
            with ctx.wrap_socket(raw) as s:
                return s.getpeercert(binary_form=True)

    def file_der(name):
        with open(os.path.join(pki, name + ".pem")) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())

    check(bank_cert_der() == file_der("bank1"), "the bank presents bank1.pem")
    old_der = file_der("bank1")
    sent_before = c7.output().count(f"at 127.0.0.1:{bank_tls}")
    subprocess.run([make_pki, pki, "bank1=rspro:bank:1"], check=True, timeout=60)
    check(file_der("bank1") != old_der, "bank1.pem replaced by a new certificate")
    bank.proc.send_signal(signal.SIGHUP)
    check(bank.wait_log("SIGHUP: re-read"), "SIGHUP: the bank re-reads its TLS files")
    check(bank_cert_der() == file_der("bank1"), "new handshakes get the new certificate")
    check(apdu_ok(c7) and c7.output().count(f"at 127.0.0.1:{bank_tls}") == sent_before,
          "the established TLS link stayed up")
    check(metric(bank, "cardroute_bank_tls_certificate_not_after_seconds") > time.time(),
          "our certificate's expiry is in /metrics")

    # handshake garbage and silent connections on the bank's TLS port
    silent = [socket.create_connection(("127.0.0.1", bank_tls)) for _ in range(20)]
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", bank_tls)) as s:
            s.sendall(os.urandom(300))
    check(all(apdu_ok(c7) for _ in range(20)), "garbage and slowloris: the TLS client goes on")
    check(all(apdu_ok(c9) for _ in range(5)), "... and so does the plain one")
    check(wait_until(lambda: metric(bank, "cardroute_bank_tls_handshake_failures_total") >= 10),
          "the garbage is counted as failed handshakes")
    silent[0].settimeout(25)
    t0 = time.monotonic()
    try:
        closed = silent[0].recv(100) == b""
    except OSError:
        closed = True
    check(closed and time.monotonic() - t0 < 25, "a silent connection is closed at the "
          "handshake timeout")
    for s in silent:
        s.close()

    # refusals by the server
    def refused(d, needle, what):
        check(d.wait_log(needle), f"{what}: log line")

    before = metric(server, "cardroute_remsim_tls_handshake_failures_total")
    bad = Daemon(cardrouted, plugin_dirs, tmp, "other-ca", client_ini(srv_tls, 7, "other-client7"))
    daemons.append(bad)
    refused(server, '(certificate "CN=other-client7" not signed by our CA)', "another CA's certificate is refused")
    check(wait_until(lambda: metric(server, "cardroute_remsim_tls_handshake_failures_total")
                     > before), "... and counted")
    bad.stop()
    daemons.remove(bad)

    before = metric(server, "cardroute_remsim_tls_handshake_failures_total")
    bad = Daemon(cardrouted, plugin_dirs, tmp, "expired", client_ini(srv_tls, 7, "expired-client7"))
    daemons.append(bad)
    check(wait_until(lambda: metric(server, "cardroute_remsim_tls_handshake_failures_total")
                     > before), "an expired certificate is refused and counted")
    refused(server, '(certificate "CN=expired-client7" expired)', "the expired certificate")
    bad.stop()
    daemons.remove(bad)

    before = metric(server, "cardroute_remsim_tls_handshake_failures_total")
    soon = Daemon(cardrouted, plugin_dirs, tmp, "soon", client_ini(srv_tls, 7, "soon-client7"))
    daemons.append(soon)
    check(soon.wait_log("sim: our certificate") and
          re.search(r"soon-client7\.pem expires in 1[0-9]{2} hours", soon.output()) is not None,
          "a certificate expiring within 14 days is warned about at start")
    soon.stop()
    daemons.remove(soon)

    bad = Daemon(cardrouted, plugin_dirs, tmp, "plain-on-tls", client_ini(srv_tls, 7))
    daemons.append(bad)
    check(wait_until(lambda: metric(server, "cardroute_remsim_tls_handshake_failures_total")
                     > before), "a plain RSPRO client on the TLS port is refused and counted")
    refused(server, "refused: TLS handshake: Error performing TLS handshake: An unexpected TLS "
            "packet", "the plain client on the TLS port")
    bad.stop()
    daemons.remove(bad)

    bad = Daemon(cardrouted, plugin_dirs, tmp, "c8-as-7", client_ini(srv_tls, 7, "client8"))
    daemons.append(bad)
    refused(server, 'names rspro:client:8, but it claims rspro:client:7',
            "client 8's certificate claiming client 7: the server refuses")
    check(re.search(r'certificate "CN=client8" names', server.output()) is not None,
          "the server's line names the certificate subject")
    check(wait_until(lambda: metric(server, "cardroute_remsim_tls_identity_refusals_total") >= 1),
          "... counted in /metrics")
    bad.stop()
    daemons.remove(bad)

    # TLS 1.2 is below the default minimum: closed after the handshake
    ctx12 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx12.check_hostname = False
    ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx12.load_verify_locations(os.path.join(pki, "ca.pem"))
    ctx12.load_cert_chain(os.path.join(pki, "client7.pem"), os.path.join(pki, "client7.key"))
    with socket.create_connection(("127.0.0.1", srv_tls), timeout=20) as raw:
        try:
            with ctx12.wrap_socket(raw) as s:
                v = s.version()
                s.recv(100)
        except (OSError, ssl.SSLError):
            v = None
    check(server.wait_log("TLS protocol version TLS 1.2 below the minimum (TLS 1.3)"), f"a TLS 1.2 peer ({v}) is refused by the 1.3 default")

    # the bank refuses it too (a client that goes to the bank directly)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(os.path.join(pki, "ca.pem"))
    ctx.load_cert_chain(os.path.join(pki, "client8.pem"), os.path.join(pki, "client8.key"))
    with socket.create_connection(("127.0.0.1", bank_tls), timeout=20) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(rsprotest.connect_client_req(7, 0))
            got = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except (OSError, ssl.SSLError):
                pass
    check(bank.wait_log("names rspro:client:8, but it claims rspro:client:7"),
          "client 8's certificate claiming client 7: the bank refuses, with its log line")
    check(metric(bank, "cardroute_bank_tls_identity_refusals_total") >= 1, "... and counts it")
    check(apdu_ok(c7), "the real C7 still works")

    # bank 2's certificate at bank 1's address: the client refuses
    # the rogue bank first: the second server sends bank 1's clients to it
    rogue = Daemon(cardrouted, plugin_dirs, tmp, "rogue", bank_ini(1, "bank2", slots=1))
    daemons.append(rogue)
    rogue_tls = rogue.logged_port(BANK_TLS_LISTENS)
    server2 = Server(cardrouted, plugin_dirs, tmp, "server2", server_ini(
        os.path.join(tmp, "state2.json"), section_extra=(
            f"listen-tls = 127.0.0.1:0\nbank-address = 1=127.0.0.1:{rogue_tls}\n"
            + tls_keys("server"))))
    daemons.append(server2)
    check(server2.wait_ready(), "a second server runs")
    srv2_tls = server2.logged_port(SERVER_TLS_LISTENS)
    bank1b = Daemon(cardrouted, plugin_dirs, tmp, "bank1b",
                    bank_ini(1, "bank1", 0, None, srv2_tls, slots=1))
    c7b = Daemon(cardrouted, plugin_dirs, tmp, "client7b", client_ini(srv2_tls, 7, "client7"))
    daemons += [bank1b, c7b]
    check(c7b.wait_ready() and rogue.wait_ready(), "the client and the rogue bank run")
    check(wait_until(lambda: len(server2.api("GET", "/banks")[2]["banks"]) == 1),
          "bank 1 registers with the second server")
    map_(server2, 1, 0, 7)
    check(c7b.wait_log("names rspro:bank:2, expected rspro:bank:1"),
          "bank 2's certificate at bank 1's address: the client refuses, with its log line")
    check(wait_until(lambda: metric(c7b, "cardroute_remote_tls_identity_refusals_total") >= 1),
          "... counted in the client's /metrics")
    check(not apdu_ok(c7b), "that client has no card")
    check(apdu_ok(c7), "the first chain still works")
finally:
    for d in reversed(daemons):
        d.stop()
    shutil.rmtree(pki, ignore_errors=True)  # private keys do not outlive the test
finish()
