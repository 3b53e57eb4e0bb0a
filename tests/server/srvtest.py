# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of the server tests: cardrouted as an rspro-server, an rspro-bank
in front of a virtual card and a backend-remote client, each on free ports
(listen :0 and rest :0; the log names them)."""
import os
import re
import sys

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(TESTS, "control"))
sys.path.insert(0, TESTS)
from crtest import Daemon, check, finish, openapi_paths, wait_until  # noqa: E402,F401
from fixtures.ports import free_port  # noqa: E402,F401


def server_ini(state_file, extra="", section_extra=""):
    return f"""[router]
rest = 127.0.0.1:0
dbus = none
{extra}
[control:remsim]
plugin = rspro-server
listen = 127.0.0.1:0
state-file = {state_file}
{section_extra}
"""


def bank_ini(profile, rest="127.0.0.1:0", listen="127.0.0.1:0", slots=1, server=None,
             extra="", route=True):
    """Bank 1: rspro-bank `bank` on @listen; its slot 0 routed to a virtual
    card `card` (@profile) unless @route is false (profile None: no card, no
    route); @server: the RSPRO server's address; @extra: more lines of the
    bank's section."""
    ini = f"[router]\nrest = {rest}\ndbus = none\n"
    if profile is not None:
        ini += f"[backend:card]\nplugin = vcard\nprofile = {profile}\n"
    ini += f"""[frontend:bank]
plugin = rspro-bank
listen = {listen}
bank-id = 1
slots = {slots}
"""
    if server is not None:
        ini += f"server = {server}\n"
    ini += extra
    if route and profile is not None:
        ini += "[route:r0]\nfrontend = bank.0\nbackend = card\n"
    return ini


def client_ini(server_port, client_id=7, router_extra="allow-apdu = true\n", extra=""):
    """A client: backend-remote `sim` for C@client_id:0 at the server on
    @server_port; @extra: more lines of its section."""
    return f"""[router]
rest = 127.0.0.1:0
dbus = none
{router_extra}[backend:sim]
plugin = remote
server = 127.0.0.1:{server_port}
client-id = {client_id}
client-slot = 0
reconnect-delay-ms = 200
{extra}"""


BANK_LISTENS = r"bank \d+ with \d+ slots listening on \S+:(\d+)"
BANK_TLS_LISTENS = r"bank \d+: TLS clients on \S+:(\d+)"
SERVER_TLS_LISTENS = r"RSPRO over TLS listening on \S+:(\d+)"


def instance_details(d, instance):
    """describe() of an instance through REST."""
    st, _, j = d.request("GET", f"/api/v1/instances/{instance}")
    assert st == 200, st
    return j["details"]


class Server(Daemon):
    def wait_ready(self, limit=20.0):
        ok = super().wait_ready(limit)
        m = re.search(r"RSPRO server listening on [^ ]+:(\d+),", self.output())
        self.rspro_port = int(m.group(1)) if m else None
        return ok and self.rspro_port is not None

    def api(self, method, path, body=None, **kw):
        return self.request(method, "/api/backend/v1" + path, body=body, **kw)
