# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers of the server tests: cardrouted with an rspro-server section on
free ports (RSPRO listen :0 and rest :0; the log names both)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "control"))
from crtest import Daemon, check, finish, openapi_paths, wait_until  # noqa: E402,F401


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


class Server(Daemon):
    def wait_ready(self, limit=20.0):
        ok = super().wait_ready(limit)
        m = re.search(r"RSPRO server listening on [^ ]+:(\d+),", self.output())
        self.rspro_port = int(m.group(1)) if m else None
        return ok and self.rspro_port is not None

    def api(self, method, path, body=None, **kw):
        return self.request(method, "/api/backend/v1" + path, body=body, **kw)
