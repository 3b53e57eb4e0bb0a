# SPDX-License-Identifier: GPL-2.0-or-later
"""The three roles on loopback, each link through a fault proxy: a server
(rspro-server), a bank (rspro-bank in front of backend-vcard with a card
whose EF 2F40, SFI 20, holds 00 01 02 ... so a READ BINARY's answer names
its offset) and a client (backend-remote `sim`, plus what the caller adds).
Used by the fault matrix and the soak."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
from srvtest import Daemon, Server, bank_ini, check, client_ini, free_port, server_ini  # noqa: E402
from fixtures.faultproxy import FaultProxy  # noqa: E402

SFI = 20
KEEPALIVE = "keepalive-interval-ms = 1000\nkeepalive-timeout-ms = 2000\n"
PROFILE = """[card]
name = numbered card
[file:3F00]
type = mf
[file:3F00/2F40]
type = transparent
sfi = 20
read = always
update = never
data = """ + " ".join(f"{i & 0xff:02X}" for i in range(264)) + "\n"


def expected(offset, length=8):
    return "".join(f"{(offset + i) & 0xff:02X}" for i in range(length)) + "9000"


class Chain:
    """server, bank and client daemons; proxies by link name."""

    def __init__(self, cardrouted, plugin_dirs, tmp, client_extra="", keepalive=KEEPALIVE,
                 direct_bank=False, bank_profile=None, bank_route=True):
        """direct_bank: the client reaches the bank without a proxy (full
        speed); reset_bank_link() then cuts it with ss -K. bank_profile: the
        bank card's vcard profile file (default: the numbered card).
        bank_route=False: the bank's slot starts without its route to the card
        (route_bank() makes it), so clients are answered cardNotPresent."""
        profile = bank_profile
        if profile is None:
            profile = os.path.join(tmp, "card.ini")
            with open(profile, "w") as f:
                f.write(PROFILE)
        server_port, bank_port = free_port(), free_port()
        self.bank_port = bank_port
        self.proxies = {
            "client-server": FaultProxy("127.0.0.1", server_port),
            "bank-server": FaultProxy("127.0.0.1", server_port),
        }
        if not direct_bank:
            self.proxies["client-bank"] = FaultProxy("127.0.0.1", bank_port)
        bank_for_clients = bank_port if direct_bank else self.proxies["client-bank"].port
        ini = server_ini(os.path.join(tmp, "server.json"), section_extra=(
            f"bank-address = 1=127.0.0.1:{bank_for_clients}\n" + keepalive)) \
            .replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{server_port}")
        self.server = Server(cardrouted, plugin_dirs, tmp, "server", ini)
        self.bank = Daemon(cardrouted, plugin_dirs, tmp, "bank", bank_ini(
            profile, listen=f"127.0.0.1:{bank_port}",
            server=f"127.0.0.1:{self.proxies['bank-server'].port}", extra=keepalive,
            route=bank_route))
        self.client = Daemon(cardrouted, plugin_dirs, tmp, "client", client_ini(
            self.proxies['client-server'].port,
            router_extra="allow-apdu = true\napdu-timeout = 8000\n",
            extra=keepalive + client_extra))

    def daemons(self):
        return [("server", self.server), ("bank", self.bank), ("client", self.client)]

    def wait_ready(self):
        return all(check(d.wait_ready(), f"the {name} runs") for name, d in self.daemons())

    def map(self):
        st, _, _ = self.server.api("POST", "/slotmaps", body={
            "bank": {"bankId": 1, "slotNr": 0}, "client": {"clientId": 7, "slotNr": 0}})
        return check(st == 201, "slotmap B1:0 <-> C7:0 made")

    def route_bank(self):
        """Makes the bank's route to its card at run time (bank_route=False)."""
        st, _, _ = self.bank.request("POST", "/api/v1/routes", body={
            "name": "r0", "frontend": "bank.0", "backend": "card"})
        return check(st in (200, 201), f"the bank's slot routed to its card ({st})")

    def reset_bank_link(self):
        """Kills the client's TCP connection to the bank (ss -K: the socket is
        destroyed and the bank gets a RST). True when one was killed."""
        p = subprocess.run(["ss", "-K", "-t", "dst", f"127.0.0.1:{self.bank_port}"],
                           capture_output=True, text=True, timeout=10)
        return p.returncode == 0 and "ESTAB" in p.stdout

    def card_transactions(self):
        st, _, body = self.bank.request("GET", "/api/v1/backends/card")
        if st != 200:
            return None
        return body.get("stats", body).get("transactions")

    def stop(self):
        """Stops the daemons (client first); their exit codes by name."""
        codes = {}
        for name, d in reversed(self.daemons()):
            codes[name] = d.stop()
        for p in self.proxies.values():
            p.stop()
        return codes
