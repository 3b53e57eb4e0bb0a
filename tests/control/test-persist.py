#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Routes made at run time survive a restart; an INI route stays as
configured; a route whose slot is gone waits in the state file; a corrupt
state file is moved aside and never stops the daemon."""
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crtest import Daemon, check, finish, read_lines, wait_until  # noqa: E402

CARDROUTED, PLUGIN_DIRS = sys.argv[1], sys.argv[2]


def config(tmp, run, extra_slots=True):
    text = ("[router]\nrest = 127.0.0.1:0\ndbus = none\n"
            f"state-dir = {tmp}/state\n"
            "[backend:card]\nplugin = echo\natr = 3B 02 14 50\n"
            "[backend:card2]\nplugin = echo\natr = 3B 00\n"
            "[frontend:term]\nplugin = script\ncommands = 00A40004023F00\n"
            f"log = {tmp}/term-{run}.log\n"
            "[route:r1]\nfrontend = term\nbackend = card\n")
    if extra_slots:
        text += ("[frontend:term2]\nplugin = script\ncommands = 00A40004022F00\n"
                 f"log = {tmp}/term2-{run}.log\n")
    return text


def start(tmp, run, **kw):
    d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, f"run{run}", config(tmp, run, **kw))
    check(d.wait_ready(), f"run {run}: cardrouted starts")
    return d


def main():
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state", "routes.json")
        # 1: make a route at run time
        d = start(tmp, 1)
        try:
            st, _, body = d.request("POST", "/api/v1/routes", body={
                "frontend": "term2", "backend": "card2", "name": "kept",
                "policy": {"timeout_ms": 1234, "on_backend_loss": "hold", "error_sw": "6A82"}})
            check(st == 201, "run 1: route kept made")
            check(wait_until(lambda: os.path.exists(state)), "run 1: the state file is written")
        finally:
            check(d.stop() == 0, "run 1: clean exit")
        with open(state) as f:
            stored = json.load(f)
        check([r["name"] for r in stored["routes"]] == ["kept"], "only the run-time route is stored")
        check(not [p for p in os.listdir(os.path.dirname(state)) if p != "routes.json"],
              "no temporary file is left")

        # 2: it comes back, with its policy, and routes APDUs
        d = start(tmp, 2)
        try:
            st, _, body = d.request("GET", "/api/v1/routes/kept")
            check(st == 200 and body["configured"] is False and body["policy"]["timeout_ms"] == 1234
                  and body["policy"]["on_backend_loss"] == "hold" and body["policy"]["error_sw"] == "6A82",
                  f"run 2: route kept restored with its policy: {body}")
            check(wait_until(lambda: "< 2F009000" in read_lines(f"{tmp}/term2-2.log")),
                  "run 2: the restored route routes APDUs")
            st, _, body = d.request("GET", "/api/v1/routes/r1")
            check(st == 200 and body["configured"] is True, "run 2: the INI route stays configured")
            st, _, _ = d.request("DELETE", "/api/v1/routes/kept")
            check(st == 204, "run 2: route kept removed")
            st, _, _ = d.request("POST", "/api/v1/routes", body={"frontend": "term2", "backend": "card2",
                                                                  "name": "later"})
            check(st == 201, "run 2: route later made")
        finally:
            check(d.stop() == 0, "run 2: clean exit")
        with open(state) as f:
            check([r["name"] for r in json.load(f)["routes"]] == ["later"], "the removal is stored")

        # 3: term2 is gone from the INI: the route waits, the daemon runs
        d = start(tmp, 3, extra_slots=False)
        try:
            check(d.wait_log("later: stored route waits for its slot"), "run 3: the route waits (log line)")
            st, _, body = d.request("GET", "/api/v1/routes")
            check(st == 200 and [r["name"] for r in body["routes"]] == ["r1"], "run 3: only r1 runs")
            d.request("DELETE", "/api/v1/routes/r1")  # an INI route: not stored either way
        finally:
            check(d.stop() == 0, "run 3: clean exit")
        with open(state) as f:
            check([r["name"] for r in json.load(f)["routes"]] == ["later"], "run 3: the waiting route stays stored")

        # 4: a corrupt state file is moved aside
        with open(state, "w") as f:
            f.write('{"version": 1, "routes": [{"name": ')
        d = start(tmp, 4)
        try:
            check(d.wait_log("moved aside"), "run 4: the corrupt file is reported")
            check(glob.glob(state + ".corrupt-*"), "run 4: and moved aside")
            st, _, body = d.request("GET", "/api/v1/routes")
            check(st == 200 and [r["name"] for r in body["routes"]] == ["r1"], "run 4: the daemon runs")
        finally:
            check(d.stop() == 0, "run 4: clean exit")

        # 5: a well-formed file with a bad entry is corrupt too; a name an INI route holds is skipped
        for bad in ['{"version": 2, "routes": []}', '{"version": 1, "routes": [{"name": "x y"}]}',
                    '[]', '\x00\xff']:
            with open(state, "w") as f:
                f.write(bad)
            d = start(tmp, 5)
            check(d.wait_log("moved aside"), f"run 5: {bad!r} is moved aside")
            check(d.stop() == 0, "run 5: clean exit")
        with open(state, "w") as f:
            json.dump({"version": 1, "routes": [{"name": "r1", "frontend": "term2", "backend": "card2"}]}, f)
        d = start(tmp, 6)
        try:
            check(d.wait_log("r1: stored route not restored: the name is taken"), "run 6: name taken by the INI")
            st, _, body = d.request("GET", "/api/v1/routes/r1")
            check(st == 200 and body["frontend"] == "term", "run 6: the INI route wins")
        finally:
            check(d.stop() == 0, "run 6: clean exit")

        # 7: an unwritable state-dir is reported, never fatal
        blocker = os.path.join(tmp, "file")
        with open(blocker, "w") as f:
            f.write("x")
        d = Daemon(CARDROUTED, PLUGIN_DIRS, tmp, "run7",
                   config(tmp, 7).replace(f"state-dir = {tmp}/state", f"state-dir = {blocker}/sub"))
        try:
            check(d.wait_ready(), "run 7: starts with an unusable state-dir")
            st, _, _ = d.request("POST", "/api/v1/routes", body={"frontend": "term2", "backend": "card2"})
            check(st == 201, "run 7: routes can still be made")
            check(d.wait_log("will not survive a restart"), "run 7: the state-dir problem is reported")
        finally:
            check(d.stop() == 0, "run 7: clean exit")
    finish()


main()
