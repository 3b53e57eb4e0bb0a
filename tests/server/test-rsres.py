#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The RSRES API as osmo-remsim-apitool drives it (rsres.md 3: every request it
sends, with its headers), every response shape (rsres.md 2) with bytes-level
RSPRO peers (rspro.md G), the fixes (404 JSON errors, 201 with the map,
restart counter), persistence across restarts, and 10,000 slotmaps listed.

usage: test-rsres.py CARDROUTED PLUGIN_DIRS"""
import http.client
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rsprotest as R  # noqa: E402
from srvtest import Server, check, finish, server_ini, wait_until  # noqa: E402

cardrouted, plugin_dirs = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="cr-server-")
state = os.path.join(tmp, "state", "remsim-server.json")


def start(name, section_extra=""):
    d = Server(cardrouted, plugin_dirs, tmp, name, server_ini(state, section_extra=section_extra))
    if not check(d.wait_ready(), f"{name}: cardrouted with rspro-server starts"):
        print(d.output())
        d.stop()
        finish()
    return d


def apitool(d, method, suffix, body=None):
    """What osmo-remsim-apitool sends: requests' defaults; json= sets the
    Content-Type; -r posts with no body at all."""
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    headers = {"User-Agent": "python-requests/2.28.1", "Accept": "*/*",
               "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif method in ("POST", "DELETE"):
        headers["Content-Length"] = "0"
    conn.request(method, "/api/backend/v1" + suffix, body=data, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    parsed = None
    if text:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
    return resp.status, resp.getheader("Content-Type"), parsed


d = start("first")
restart_first = d.api("GET", "/restart-counter")[2]["restartCounter"]
check(restart_first == 1, "restart-counter is 1 on the first start")

# -a / no action: GET /clients, /banks, /slotmaps
for what in ("clients", "banks", "slotmaps"):
    st, ctype, body = apitool(d, "GET", "/" + what)
    check(st == 200 and body == {what: []} and "application/json" in ctype,
          f"apitool -a: GET /{what} -> 200 {{\"{what}\": []}}")

# a bank (G.3: bank 1, 8 slots) and a client (G.1: C23:0) speaking bytes
bank = R.Peer(d.rspro_port)
bank.send(R.connect_bank_req(1, 8))
res = bank.recv_rspro()
check(R.choice_of(res) == 0xa1 and R.result_of(res) == 0 and res[9:12] == bytes.fromhex("810100"),
      "connectBankReq -> connectBankRes(ok), tag 0")
client = R.Peer(d.rspro_port)
client.send(R.connect_client_req(23, 0))
res = client.recv_rspro()
check(R.choice_of(res) == 0xa3 and R.result_of(res) == 0 and res[9:13] == bytes.fromhex("81020926"),
      "connectClientReq -> connectClientRes(ok), tag 2342")
check(client.quiet(), "no configClientBankReq without a slotmap")

st, _, body = apitool(d, "GET", "/banks")
b = body["banks"][0] if st == 200 and body.get("banks") else {}
check(list(b.keys()) == ["peer", "state", "component_id", "bankId", "numberOfSlots"]
      and b["peer"] == "B1" and b["state"] == "CONNECTED_BANKD" and b["bankId"] == 1
      and b["numberOfSlots"] == 8
      and b["component_id"] == {"type_": "remsimBankd", "name": "bank1",
                                "software": "remsim-bankd", "swVersion": "1.1.3"},
      f"GET /banks: the bank object of rsres.md 2.2 ({b})")
st, _, body = apitool(d, "GET", "/banks/1")
check(st == 200 and body == b, "apitool -b 1: GET /banks/1 -> the same object")
st, _, body = apitool(d, "GET", "/clients")
c = body["clients"][0] if st == 200 and body.get("clients") else {}
check(list(c.keys()) == ["peer", "state", "component_id"] and c["peer"] == "C23:0"
      and c["state"] == "CONNECTED_CLIENT" and c["component_id"]["type_"] == "remsimClient",
      f"GET /clients: the client object of rsres.md 2.1 ({c})")
st, _, body = apitool(d, "GET", "/clients/23")
check(st == 200 and body == c, "apitool -c 23: GET /clients/23 finds client 23 (upstream: bank id)")

# apitool -m 1 1 23 0
st, ctype, body = apitool(d, "POST", "/slotmaps",
                          {"bank": {"bankId": 1, "slotNr": 1}, "client": {"clientId": 23, "slotNr": 0}})
check(st == 201 and body["bank"] == {"bankId": 1, "slotNr": 1}
      and body["client"] == {"clientId": 23, "slotNr": 0}
      and body["state"] in ("NEW", "UNACKNOWLEDGED"),
      f"apitool -m 1 1 23 0: 201 with the new slotmap ({body})")
frame = bank.recv_rspro()
check(frame == R.create_mapping_req(23, 0, 1, 1), "the bank gets createMappingReq C23:0/B1:1 (G.4 bytes)")
st, _, body = apitool(d, "GET", "/slotmaps/65537")
check(st == 200 and body["state"] == "UNACKNOWLEDGED", "apitool -s 65537: UNACKNOWLEDGED until the bank answers")
bank.send(R.result_res(R.CREATE_MAPPING_RES))
frame = client.recv_rspro()
check(frame == R.config_client_bank_req(1, 1, [127, 0, 0, 1], 9999),
      "the client gets configClientBankReq B1:1 at the bank's address, port 9999 (upstream rule)")
client.send(R.result_res(R.CONFIG_CLIENT_BANK_RES))
check(wait_until(lambda: apitool(d, "GET", "/slotmaps")[2] == {"slotmaps": [
    {"bank": {"bankId": 1, "slotNr": 1}, "client": {"clientId": 23, "slotNr": 0}, "state": "ACTIVE"}]}),
    "GET /slotmaps: the map of rsres.md 2.4, ACTIVE, keys bank, client, state")
st, _, text = d.api("GET", "/slotmaps")
check(text == {"slotmaps": [{"bank": {"bankId": 1, "slotNr": 1}, "client": {"clientId": 23, "slotNr": 0},
                             "state": "ACTIVE"}]}, "GET /slotmaps")
conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
conn.request("GET", "/api/backend/v1/slotmaps")
raw = conn.getresponse().read()
conn.close()
check(raw == b'{"slotmaps":[{"bank":{"bankId":1,"slotNr":1},"client":{"clientId":23,"slotNr":0},"state":"ACTIVE"}]}',
      "compact JSON, keys in upstream's order")

# validation: 400 with a JSON error
bad = [
    ({"bank": {"bankId": 1, "slotNr": 1}, "client": {"clientId": 24, "slotNr": 0}}, "bank slot taken"),
    ({"bank": {"bankId": 1, "slotNr": 2}, "client": {"clientId": 23, "slotNr": 0}}, "client slot taken"),
    ({"bank": {"bankId": 1}, "client": {"clientId": 9, "slotNr": 0}}, "slotNr missing"),
    ({"bank": {"bankId": 1, "slotNr": 1024}, "client": {"clientId": 9, "slotNr": 0}}, "slot 1024"),
    ({"bank": {"bankId": -1, "slotNr": 0}, "client": {"clientId": 9, "slotNr": 0}}, "negative id"),
    ({"bank": {"bankId": 1.5, "slotNr": 0}, "client": {"clientId": 9, "slotNr": 0}}, "not an integer"),
    ({"bank": {"bankId": "1", "slotNr": 0}, "client": {"clientId": 9, "slotNr": 0}}, "a string"),
    ({"bank": [1, 0], "client": {"clientId": 9, "slotNr": 0}}, "bank not an object"),
    ([1, 2], "not an object"),
]
for body, what in bad:
    st, ctype, answer = apitool(d, "POST", "/slotmaps", body)
    check(st == 400 and isinstance(answer, dict) and "error" in answer, f"POST /slotmaps {what}: 400 ({answer})")
hostile = ((b"not json", "not JSON"), (b"", "no body"),
           (b"[" * 30000 + b"]" * 30000, "nested 30,000 deep"),
           (b'{"bank":{"bankId":1,"slotNr":1},"client":{"clientId":9,"slotNr":"\xff"}}', "not UTF-8"),
           (b'{"bank":{"bankId":1e999,"slotNr":1},"client":{"clientId":9,"slotNr":0}}', "1e999"),
           (b'{"bank":{"bankId":99999999999999999999999,"slotNr":1},'
            b'"client":{"clientId":9,"slotNr":0}}', "a huge integer"))
for raw_body, what in hostile:
    st, _, answer = d.api("POST", "/slotmaps", raw=raw_body, headers={"Content-Type": "application/json"})
    check(st == 400 and isinstance(answer, dict) and "error" in answer,
          f"POST /slotmaps {what}: 400 JSON error")
st, _, answer = apitool(d, "POST", "/slotmaps",
                        {"bank": {"bankId": 2, "slotNr": 0}, "client": {"clientId": 9, "slotNr": 0}, "x": 1})
check(st == 201, "extra keys are ignored")
check(apitool(d, "DELETE", "/slotmaps/131072")[0] == 200, "a NEW map is deleted at once")
check(bank.quiet(), "deleting a map of another bank sends nothing to bank 1")

# not found: 404 with a JSON error (upstream: 200 with an empty body)
for path in ("/banks/2", "/clients/9", "/slotmaps/12345", "/banks/0"):
    st, ctype, answer = apitool(d, "GET", path)
    check(st == 404 and answer.get("error") == "not-found", f"GET {path}: 404 JSON error")
st, _, answer = apitool(d, "DELETE", "/slotmaps/12345")
check(st == 404 and answer.get("error") == "not-found", "DELETE of an unknown slotmap: 404")
for path, code in (("/banks/70000", 400), ("/banks/x", 400), ("/nonexistent", 404),
                   ("/slotmaps/1/2", 404)):
    st = apitool(d, "GET", path)[0]
    check(st == code, f"GET {path}: {code}")
st = d.api("PUT", "/slotmaps", raw=b"")[0]
check(st in (404, 405), f"PUT /slotmaps refused ({st})")

# a second bank 1 and a second C23:0: identityInUse, closed after the linger
dup = R.Peer(d.rspro_port)
dup.send(R.connect_bank_req(1, 4))
res = dup.recv_rspro()
check(R.choice_of(res) == 0xa1 and R.result_of(res) == 6, "duplicate bank id -> identityInUse")
check(dup.expect_closed(), "... and the connection is closed")
dup = R.Peer(d.rspro_port)
dup.send(R.connect_client_req(23, 0))
res = dup.recv_rspro()
check(R.choice_of(res) == 0xa3 and R.result_of(res) == 6, "duplicate client slot -> identityInUse")
check(dup.expect_closed(), "... and the connection is closed")
wrong = R.Peer(d.rspro_port)
wrong.send(R.connect_bank_req(5, 4, ctype=0))
check(wrong.expect_closed(), "connectBankReq with a client identity: closed")
wrong = R.Peer(d.rspro_port)
wrong.send(R.connect_client_req(30, 0, ctype=2))
check(wrong.expect_closed(), "connectClientReq with a bankd identity: closed")
check(len(apitool(d, "GET", "/banks")[2]["banks"]) == 1, "the first bank stays listed")

# delete in use (G.4 removeMappingReq, G.5 "no bankd")
st, ctype, body = apitool(d, "DELETE", "/slotmaps/65537")
check(st == 200 and body is None, "apitool -d 1 1: DELETE /slotmaps/65537 -> 200, empty body")
check(apitool(d, "GET", "/slotmaps")[2] == {"slotmaps": []}, "the deleted map is gone from GET at once")
frame = bank.recv_rspro()
check(frame == R.remove_mapping_req(23, 0, 1, 1), "the bank gets removeMappingReq (G.4 bytes)")
check(client.quiet(), "the client is told only once the bank removed the map")
bank.send(R.result_res(R.REMOVE_MAPPING_RES))
frame = client.recv_rspro()
check(frame == R.config_client_bank_req(1, 1, [0, 0, 0, 0], 0),
      "then configClientBankReq B1:1 0.0.0.0:0 (G.5 'no bankd' bytes)")
client.send(R.result_res(R.CONFIG_CLIENT_BANK_RES))

# re-made, then apitool -r
apitool(d, "POST", "/slotmaps", {"bank": {"bankId": 1, "slotNr": 1}, "client": {"clientId": 23, "slotNr": 0}})
check(bank.recv_rspro() == R.create_mapping_req(23, 0, 1, 1), "re-made: createMappingReq again")
bank.send(R.result_res(R.CREATE_MAPPING_RES))
check(client.recv_rspro() == R.config_client_bank_req(1, 1, [127, 0, 0, 1], 9999), "re-made: client told again")
apitool(d, "POST", "/slotmaps", {"bank": {"bankId": 3, "slotNr": 0}, "client": {"clientId": 31, "slotNr": 0}})
st, ctype, body = apitool(d, "POST", "/global-reset")
check(st == 200, "apitool -r: POST /global-reset with no body -> 200")
check(apitool(d, "GET", "/slotmaps")[2] == {"slotmaps": []}, "global-reset removed every map")
check(bank.recv_rspro() == R.remove_mapping_req(23, 0, 1, 1), "global-reset: removeMappingReq to the bank")
bank.send(R.result_res(R.REMOVE_MAPPING_RES))
check(client.recv_rspro() == R.config_client_bank_req(1, 1, [0, 0, 0, 0], 0), "global-reset: client unmapped")

# a map while the bank is away: NEW; sent when the bank comes
bank.close()
check(wait_until(lambda: apitool(d, "GET", "/banks")[2] == {"banks": []}), "a bank that leaves is unlisted")
apitool(d, "POST", "/slotmaps", {"bank": {"bankId": 1, "slotNr": 0}, "client": {"clientId": 23, "slotNr": 0}})
check(apitool(d, "GET", "/slotmaps/65536")[2]["state"] == "NEW", "map of an absent bank: NEW")
# a cardroute bank announcing where its clients go (README: hwManufacturer/hwModel)
bank = R.Peer(d.rspro_port)
bank.send(R.connect_bank_req(1, 8, hw_manufacturer="cardroute", hw_model="*:4242"))
check(R.result_of(bank.recv_rspro()) == 0, "a cardroute bank connects")
check(bank.recv_rspro() == R.create_mapping_req(23, 0, 1, 0), "stored maps are pushed after connectBankRes")
bank.send(R.result_res(R.CREATE_MAPPING_RES))
check(client.recv_rspro() == R.config_client_bank_req(1, 0, [127, 0, 0, 1], 4242),
      "the client goes to the port the cardroute bank announced")
bank.close()
client.close()
check(wait_until(lambda: apitool(d, "GET", "/clients")[2] == {"clients": []}), "a client that leaves is unlisted")

# persistence: stop, the map is in the state file, restart restores it
check(d.stop() == 0, "first daemon stops cleanly")
with open(state) as f:
    stored = json.load(f)
check(stored["slotmaps"] == [{"bank": {"bankId": 1, "slotNr": 0}, "client": {"clientId": 23, "slotNr": 0}}],
      "the state file holds the map")
d = start("second", section_extra="bank-address = 1=127.0.0.1:5555, 7=10.0.0.7:9999")
check(d.api("GET", "/restart-counter")[2] == {"restartCounter": 2}, "restart-counter counts restarts (2)")
check(d.api("GET", "/slotmaps")[2]["slotmaps"] == [
    {"bank": {"bankId": 1, "slotNr": 0}, "client": {"clientId": 23, "slotNr": 0}, "state": "NEW"}],
    "the map survived the restart (NEW until its bank connects)")
client = R.Peer(d.rspro_port)
client.send(R.connect_client_req(23, 0))
check(R.result_of(client.recv_rspro()) == 0, "client reconnects after the restart")
check(client.quiet(), "the client is not unmapped while its bank is away")
bank = R.Peer(d.rspro_port)
bank.send(R.connect_bank_req(1, 8))
check(R.result_of(bank.recv_rspro()) == 0, "bank reconnects after the restart")
check(bank.recv_rspro() == R.create_mapping_req(23, 0, 1, 0), "reconciled: the stored map goes to the bank")
bank.send(R.result_res(R.CREATE_MAPPING_RES))
check(client.recv_rspro() == R.config_client_bank_req(1, 0, [127, 0, 0, 1], 5555),
      "bank-address overrides the bank's address for clients")
bank.close()
client.close()
check(d.stop() == 0, "second daemon stops cleanly")

# a corrupt state file is moved aside, never fatal
with open(state, "w") as f:
    f.write("{not json")
d = start("corrupt")
check("moved aside" in d.output(), "a corrupt state file is moved aside with a warning")
check(any(n.startswith("remsim-server.json.corrupt-") for n in os.listdir(os.path.dirname(state))),
      "the corrupt copy is kept")
check(d.api("GET", "/slotmaps")[2] == {"slotmaps": []}, "and the server starts empty")
check(d.stop() == 0, "stops cleanly")

# 10,000 slotmaps: restored from a state file, then listed
maps = [{"bank": {"bankId": i // 100, "slotNr": i % 100}, "client": {"clientId": i // 100, "slotNr": i % 100}}
        for i in range(10000)]
with open(state, "w") as f:
    json.dump({"version": 1, "restartCounter": 7, "slotmaps": maps}, f)
d = start("many")
conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
best = None
for _ in range(3):
    t0 = time.monotonic()
    conn.request("GET", "/api/backend/v1/slotmaps")
    raw = conn.getresponse().read()
    dt = time.monotonic() - t0
    best = dt if best is None else min(best, dt)
listing = json.loads(raw)["slotmaps"]
check(len(listing) == 10000 and listing[0]["state"] == "NEW", "GET /slotmaps lists 10000 maps")
print(f"FIGURE: GET /slotmaps with 10000 slotmaps: {best * 1000:.1f} ms ({len(raw)} bytes)")
t0 = time.monotonic()
for i in range(1000):
    body = json.dumps({"bank": {"bankId": 200 + i // 100, "slotNr": i % 100},
                       "client": {"clientId": 200 + i // 100, "slotNr": i % 100}})
    conn.request("POST", "/api/backend/v1/slotmaps", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    if r.status != 201:
        check(False, f"POST #{i}: {r.status}")
        break
dt = time.monotonic() - t0
print(f"FIGURE: 1000 POST /slotmaps on top of 10000: {dt * 1000:.0f} ms ({dt:.3f} ms each)")
conn.close()
check(d.api("GET", "/restart-counter")[2] == {"restartCounter": 8}, "restart counter from the file (8)")
check(d.stop() == 0, "stops cleanly")
with open(state) as f:
    check(len(json.load(f)["slotmaps"]) == 11000, "all 11000 maps stored at stop")
finish()
