#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every path and method documented in data/openapi-rsres.yaml answers (not
404/405) on a cardrouted with the rspro-server plugin, with a bank and a client
connected and a slotmap present so that the {id} forms find something; and
every RSRES path the plugin serves is documented.

usage: test-openapi.py CARDROUTED PLUGIN_DIRS OPENAPI_RSRES_YAML"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rsprotest as R  # noqa: E402
from srvtest import Server, check, finish, openapi_paths, server_ini, wait_until  # noqa: E402

cardrouted, plugin_dirs, openapi = sys.argv[1], sys.argv[2], sys.argv[3]
PREFIX = "/api/backend/v1"


paths = openapi_paths(openapi)
check(len(paths) >= 8, f"openapi-rsres.yaml documents {len(paths)} paths")
check(all(p.startswith(PREFIX + "/") for p, _ in paths), "every documented path is under " + PREFIX)

tmp = tempfile.mkdtemp(prefix="cr-server-openapi-")
d = Server(cardrouted, plugin_dirs, tmp, "openapi",
           server_ini(os.path.join(tmp, "remsim-server.json")))
if not check(d.wait_ready(), "cardrouted with rspro-server starts"):
    print(d.output())
    d.stop()
    finish()
    sys.exit(1)

bank = R.Peer(d.rspro_port)
bank.send(R.connect_bank_req(1, 8))
check(R.result_of(bank.recv_rspro()) == 0, "bank 1 connects")
client = R.Peer(d.rspro_port)
client.send(R.connect_client_req(23, 0))
check(R.result_of(client.recv_rspro()) == 0, "client 23:0 connects")
check(wait_until(lambda: len(d.api("GET", "/banks")[2].get("banks", [])) == 1
                 and len(d.api("GET", "/clients")[2].get("clients", [])) == 1),
      "the bank and the client are listed")
st, _, _ = d.api("POST", "/slotmaps", body={"bank": {"bankId": 1, "slotNr": 2},
                                           "client": {"clientId": 24, "slotNr": 0}})
check(st == 201, f"a slotmap B1:2 exists ({st})")

ids = {"clients": "23", "banks": "1", "slotmaps": str(1 * 65536 + 2)}
bodies = {"/slotmaps": {"bank": {"bankId": 1, "slotNr": 1},
                        "client": {"clientId": 23, "slotNr": 0}}}
# DELETE after GET of the same map, global-reset last
requests = [(p, m) for p, methods in paths for m in methods]
requests.sort(key=lambda r: (r[0].endswith("/global-reset"), r[1] == "delete"))
for path, method in requests:
    real = re.sub(r"/(\w+)/\{id\}$", lambda m: f"/{m.group(1)}/{ids[m.group(1)]}", path)
    suffix = real[len(PREFIX):]
    st, _, answer = d.request(method.upper(), real, body=bodies.get(suffix) if method == "post"
                              and suffix in bodies else None)
    check(st not in (404, 405) and st < 500,
          f"documented {method.upper()} {path} answers ({real}: {st} {answer!r:.80})")

# and what the plugin serves is documented
documented = {(p, m) for p, methods in paths for m in methods}
for p, m in [("/clients", "get"), ("/clients/{id}", "get"), ("/banks", "get"),
             ("/banks/{id}", "get"), ("/slotmaps", "get"), ("/slotmaps", "post"),
             ("/slotmaps/{id}", "get"), ("/slotmaps/{id}", "delete"),
             ("/global-reset", "post"), ("/restart-counter", "get")]:
    check((PREFIX + p, m) in documented, f"{m.upper()} {PREFIX}{p} is documented")

bank.close()
client.close()
check(d.stop() == 0, "stops cleanly")
finish()
