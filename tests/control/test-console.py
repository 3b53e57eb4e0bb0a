#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The operator's console in a real browser (headless Chromium) against a real
cardrouted: vcard behind vpcd through a private pcscd, an rspro-server with
bytes-level RSPRO peers. Routes shown, made and removed from the page; APDUs
from a PC/SC client in the live trace; a slotmap created and deleted from the
page and seen over RSRES; a hostile client name shown as text with no script
run; the daemon restarted under the open page; a read-only token. Screenshots
of every view go to SHOT_DIR.

usage: test-console.py CARDROUTED PLUGIN_DIRS PROFILE SHOT_DIR"""
import http.client
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from fixtures import pcscd  # noqa: E402

pcscd.isolate()  # private net+mount namespaces: vpcd's ports and a fixed REST port are ours

sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "server"))
from fixtures import pcsc  # noqa: E402
from fixtures.ports import free_port  # noqa: E402
from crtest import check, finish  # noqa: E402
from browser import Browser, require  # noqa: E402
from srvtest import Server  # noqa: E402
import rsprotest as R  # noqa: E402

CARDROUTED, PLUGIN_DIRS, PROFILE, SHOT_DIR = sys.argv[1:5]
EVIL = "<img src=x onerror=alert(1)>"
ADMIN = "admin-console-token-0123456789"
READ = "read-console-token-0123456789"


def ini(tmp, pc, rest_port, extra_router="", extra=""):
    return (f"[router]\nrest = 127.0.0.1:{rest_port}\ndbus = none\nstate-dir = {tmp}/state\n"
            f"{extra_router}"
            f"[backend:vcard0]\nplugin = vcard\nprofile = {PROFILE}\nslots = 2\n"
            f"[frontend:vpcd0]\nplugin = vpcd\nport = {pc.base_port}\nslot = 0\n"
            f"[frontend:vpcd1]\nplugin = vpcd\nport = {pc.base_port}\nslot = 1\n"
            "[route:r0]\nfrontend = vpcd0\nbackend = vcard0.0\n"
            f"[control:remsim]\nplugin = rspro-server\nlisten = 127.0.0.1:0\n"
            f"state-file = {tmp}/remsim.json\n{extra}")


def start(tmp, name, text):
    d = Server(CARDROUTED, PLUGIN_DIRS, tmp, name, text)
    if not check(d.wait_ready(), f"{name}: cardrouted starts"):
        print(d.output())
        d.stop()
        finish()
    return d


def rest(d, method, path, token=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, (json.loads(text) if text and "json" in (resp.getheader("Content-Type") or "") else text)


def shot(b, name):
    path = os.path.join(SHOT_DIR, f"console-{name}.png")
    b.screenshot(path)
    print(f"screenshot: {path}", flush=True)


def row_texts(b, container):
    return b.js(f"return [...document.querySelectorAll('{container} tbody tr')].map(r => r.innerText);")


def view(b, name):
    """Goes to a view with the keyboard: focus its link in the nav, Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    link = b.driver.find_element(By.CSS_SELECTOR, f'nav a[data-view="{name}"]')
    b.js("arguments[0].focus()", link)
    link.send_keys(Keys.ENTER)
    b.wait(lambda d: not b.js(f"return document.getElementById('view-{name}').hidden"),
           f"view {name} shown (keyboard: Enter on its link)")
    check(not b.controls_unlabelled(), f"{name}: every control is named by its visible text "
          f"({b.controls_unlabelled()})")


def overview_and_routes(b, d):
    b.get(f"http://127.0.0.1:{d.port}/")
    b.wait(lambda _: any(t.startswith("r0") for t in row_texts(b, "#ov-routes")),
           "overview: route r0 is shown")
    b.wait(lambda _: "present" in b.text("#ov-frontends") and "vpcd0" in b.text("#ov-frontends"),
           "overview: frontend slot vpcd0 is present")
    atr = b.js("return [...document.querySelectorAll('#ov-routes .hex')].map(e => e.title || e.textContent)")
    check(any(a.replace(" ", "") == "3B9F96801FC78031E073FE211B633A204E8300900093" for a in atr),
          f"overview: the card's ATR is shown ({atr})")
    check("vcard0.1" in b.text("#ov-backends") and "unrouted" in b.text("#ov-backends"),
          "overview: the unrouted backend slot vcard0.1")
    check(b.text("#link-state") == "live", "the event stream is live")

    view(b, "routes")
    check(b.select("Frontend slot", "vpcd1") and b.select("Backend slot", "vcard0.1"),
          "routes: slots picked by their labels")
    b.by_label("Route name").send_keys("console1")
    b.js("document.querySelector('#route-form details').open = true")
    b.by_label("Timeout (ms)").send_keys("5000")
    check(b.select("On backend loss", "hold") and b.select("Terminal resets", "ignore")
          and b.select("Offer the card", "always"),
          "routes: policy picked by its labels")
    b.by_label("Error status word").send_keys("6a82")
    b.click("Make route")
    b.wait(lambda _: any(t.startswith("console1") for t in row_texts(b, "#routes-table")),
           "routes: the new route is in the table")
    st, body = rest(d, "GET", "/api/v1/routes/console1")
    check(st == 200 and body["frontend"] == "vpcd1" and body["backend"] == "vcard0.1"
          and body["policy"] == {"timeout_ms": 5000, "on_backend_loss": "hold", "error_sw": "6A82",
                                 "forward_reset": False, "offer_card": "always"},
          f"REST: the route made in the page exists, with its policy ({body.get('policy')})")
    # made elsewhere: shows without a reload
    t0 = time.monotonic()
    rest(d, "DELETE", "/api/v1/routes/console1")
    b.wait(lambda _: not any(t.startswith("console1") for t in row_texts(b, "#routes-table")),
           "routes: a route removed over REST leaves the page without a reload")
    print(f"figure: route removal seen by the page after {time.monotonic() - t0:.3f} s", flush=True)
    t0 = time.monotonic()
    st, _ = rest(d, "POST", "/api/v1/routes", body={"frontend": "vpcd1", "backend": "vcard0.1",
                                                     "name": "console2"})
    check(st == 201, "REST: route console2 made")
    b.wait(lambda _: b.button("Remove console2") is not None,
           "routes: a route made over REST appears without a reload")
    print(f"figure: new route seen by the page after {time.monotonic() - t0:.3f} s", flush=True)
    shot(b, "routes")
    b.click("Remove console2")
    b.wait(lambda _: b.button("Remove console2") is None, "routes: removed from the page")
    check(rest(d, "GET", "/api/v1/routes/console2")[0] == 404, "REST: the route is gone")
    b.wait(lambda _: "removed" in b.text("#notice"), "the page says the route was removed")
    keyboard_route(b, d)


def keyboard_route(b, d):
    """The same with the keyboard alone: type to choose, Tab, Enter."""
    from selenium.webdriver.common.keys import Keys
    frontend = b.by_label("Frontend slot")
    b.js("arguments[0].focus()", frontend)
    frontend.send_keys("vpcd1")
    b.driver.switch_to.active_element.send_keys(Keys.TAB)
    b.driver.switch_to.active_element.send_keys("vcard0.1")
    b.driver.switch_to.active_element.send_keys(Keys.TAB)
    check(b.driver.switch_to.active_element.get_attribute("id") == "rf-name",
          "keyboard: Tab goes from slot to slot to the route name")
    b.driver.switch_to.active_element.send_keys("kbd1", Keys.ENTER)
    b.wait(lambda _: rest(d, "GET", "/api/v1/routes/kbd1")[0] == 200,
           "keyboard: a route made with Tab and Enter only")
    b.wait(lambda _: b.button("Remove kbd1"), "keyboard: its Remove button is there")

    def press_remove(_):
        # the table is rebuilt when its rows change (the new route's
        # counters arrive): take the button as it is now, focus, Enter
        from selenium.common.exceptions import WebDriverException
        try:
            remove = b.button("Remove kbd1")
            if remove is None:
                return False
            b.js("arguments[0].focus()", remove)
            b.driver.switch_to.active_element.send_keys(Keys.ENTER)
            return True
        except WebDriverException:
            return False
    b.wait(press_remove, "keyboard: Enter on its Remove button")
    b.wait(lambda _: rest(d, "GET", "/api/v1/routes/kbd1")[0] == 404,
           "keyboard: removed with Enter on its button")


def trace(b, d, pc):
    view(b, "trace")
    with pcsc.Context() as ctx:
        reader = pc.reader(0)
        check(ctx.wait_card(reader, True) is not None, f"{reader}: the card is there")
        card = ctx.connect(reader)
        t0 = time.monotonic()
        card.transmit("00A40004023F00")
        card.transmit("00A40004022FE2")
        data = card.transmit("00B000000A")
        check(data is not None and data[-2:] == b"\x90\x00", "PC/SC: READ BINARY answered")
        sw = card.transmit("00A40004023F00")  # and its FCP with GET RESPONSE
        if sw and sw[0] == 0x61:
            card.transmit(f"00C00000{sw[1]:02X}")
        missing = card.transmit("00A40004026F99")
        card.disconnect()
    b.wait(lambda _: sum("READ BINARY" in t for t in row_texts(b, "#trace-table")) >= 1
           and sum("SELECT" in t for t in row_texts(b, "#trace-table")) >= 2,
           "trace: SELECT and READ BINARY lines appear")
    print(f"figure: APDUs seen in the trace after {time.monotonic() - t0:.3f} s", flush=True)
    rows = row_texts(b, "#trace-table")
    read = [t for t in rows if "READ BINARY" in t]
    check(read and "r0" in read[0] and "vpcd0 → vcard0.0" in read[0] and "9000 OK" in read[0],
          f"trace: route, direction, status word and its meaning ({read[:1]})")
    b.wait(lambda _: b.js("return document.querySelectorAll('#trace-sparklines svg polyline').length") >= 1,
           "trace: a latency sparkline for r0")
    if missing and missing[-2:] == b"\x6a\x82":
        check(any("6A82 file not found" in t for t in row_texts(b, "#trace-table")),
              "trace: a status word of an error in words")
    # pause: new lines wait; resume shows them
    b.click("Pause")
    before = len(row_texts(b, "#trace-table"))
    st, body = rest(d, "GET", "/api/v1/routes/r0")
    with pcsc.Context() as ctx:
        card = ctx.connect(pc.reader(0))
        card.transmit("00A40004023F00")
        card.disconnect()
    b.wait(lambda _: "(paused)" in b.text("#trace-count"), "trace: paused")
    check(len(row_texts(b, "#trace-table")) == before, "trace: no line added while paused")
    b.click("Resume")
    b.wait(lambda _: len(row_texts(b, "#trace-table")) > before, "trace: resumed, the held line shows")
    shot(b, "trace")


def remote_and_xss(b, d):
    view(b, "remote")
    bank = R.Peer(d.rspro_port)
    bank.send(R.connect_bank_req(1, 8, name="bank-lab-1"))
    check(R.result_of(bank.recv_rspro()) == 0, "RSPRO: bank 1 connected")
    evil = R.Peer(d.rspro_port)
    evil.send(R.connect_client_req(7, 0, name=EVIL))
    check(R.result_of(evil.recv_rspro()) == 0, "RSPRO: a client named like HTML connected")
    b.wait(lambda _: EVIL in b.text("#remote-clients"), "remote: the hostile name is shown as text")
    check(b.js("return document.querySelectorAll('#remote-clients img').length") == 0,
          "remote: no <img> element was made from it")
    check(not b.alert_open(), "no alert ran")
    b.wait(lambda _: "bank-lab-1" in b.text("#remote-banks"), "remote: bank 1 is shown")

    b.by_label("Bank id").send_keys("1")
    b.by_label("Bank slot").send_keys("3")
    b.by_label("Client id").send_keys("7")
    b.by_label("Client slot").send_keys("0")
    b.click("Create slotmap")
    mid = 65536 + 3
    b.wait(lambda _: b.button(f"Delete map {mid}") is not None, "remote: the slotmap is in the table")
    st, body = rest(d, "GET", "/api/backend/v1/slotmaps")
    check(st == 200 and any(m["bank"] == {"bankId": 1, "slotNr": 3}
                            and m["client"] == {"clientId": 7, "slotNr": 0} for m in body["slotmaps"]),
          f"RSRES (apitool's GET /slotmaps): the map made in the page ({body})")
    shot(b, "remote")
    b.click(f"Delete map {mid}")
    b.wait(lambda _: b.button(f"Delete map {mid}") is None, "remote: the slotmap left the table")
    st, body = rest(d, "GET", "/api/backend/v1/slotmaps")
    check(st == 200 and not any(m["bank"] == {"bankId": 1, "slotNr": 3} for m in body["slotmaps"]),
          "RSRES: the map is deleted")
    errors = b.console_errors()
    check(not errors, f"no error in the browser console ({errors})")
    check(not b.alert_open(), "still no alert")
    # the policy holds in the browser: an inline script put in the page does not run
    b.js("const s = document.createElement('script'); s.textContent = 'window.crInline = 1';"
         "document.body.appendChild(s);")
    check(b.js("return window.crInline === undefined"), "CSP: an inline script does not run")
    errors = b.console_errors()
    check(any("Content Security Policy" in e["message"] for e in errors),
          "CSP: the browser says it refused the inline script")
    evil.close()
    bank.close()


def slot_state(b, pc):
    """pcscd goes away and comes back: the frontend slot's state follows live."""
    view(b, "overview")

    def vpcd0_state():
        return b.js("""for (const tr of document.querySelectorAll('#ov-frontends tbody tr'))
                         if (tr.cells[0].textContent === 'vpcd0') return tr.cells[2].textContent;
                       return null;""")
    check(vpcd0_state() == "present", "overview: vpcd0 present")
    t0 = time.monotonic()
    pc.stop()
    b.wait(lambda _: vpcd0_state() not in (None, "present"), "overview: vpcd0 leaves 'present' "
           "when pcscd stops, without a reload")
    print(f"figure: slot state change seen by the page after {time.monotonic() - t0:.3f} s "
          f"({vpcd0_state()})", flush=True)
    pc.start()
    b.wait(lambda _: vpcd0_state() == "present", "overview: vpcd0 present again with pcscd back",
           limit=30)


def daemon_view(b, d):
    view(b, "overview")
    b.wait(lambda _: b.js("return document.querySelector('#ov-routes td.num')?.textContent") not in (None, "0"),
           "overview: the route's transaction count is shown")
    shot(b, "overview")
    view(b, "daemon")
    b.wait(lambda _: "cardrouted" in b.text("#daemon-info") and "vcard" in b.text("#daemon-plugins"),
           "daemon: version and plugins")
    shot(b, "daemon")


def restart(b, tmp, pc, d, rest_port):
    old_pid = rest(d, "GET", "/api/v1/status")[1]["pid"]
    check(d.stop() == 0, "daemon stopped (SIGTERM)")
    b.wait(lambda _: b.text("#link-state") != "live", "the page sees the event stream go")
    d2 = start(tmp, "second", ini(tmp, pc, rest_port,
                                  extra="[route:r9]\nfrontend = vpcd1\nbackend = vcard0.1\n"))
    view(b, "overview")
    b.wait(lambda _: b.text("#link-state") == "live", "the page reconnects its event stream", limit=30)
    b.wait(lambda _: any(t.startswith("r9") for t in row_texts(b, "#ov-routes")),
           "the page shows the restarted daemon's new route without a reload", limit=30)
    view(b, "daemon")
    new_pid = rest(d2, "GET", "/api/v1/status")[1]["pid"]
    b.wait(lambda _: f"pid {new_pid}" in b.text("#daemon-info"),
           f"daemon view: the new process ({old_pid} -> {new_pid})")
    return d2


def read_only(b, tmp, pc):
    tokens = os.path.join(tmp, "tokens")
    with open(tokens, "w") as f:
        f.write(f"# console test\nadmin {ADMIN}\nread {READ}\n")
    os.chmod(tokens, 0o600)
    d = start(tmp, "tokens", ini(tmp, pc, 0, extra_router=f"token-file = {tokens}\n"))
    b.get(f"http://127.0.0.1:{d.port}/")
    b.wait(lambda _: b.by_label("Token") is not None, "with tokens: the page asks for one")
    b.by_label("Token").send_keys("not-the-token-at-all")
    b.click("Sign in")
    b.wait(lambda _: "refused" in b.text("#notice"), "a wrong token: the page says it was refused")
    b.by_label("Token").send_keys(READ)
    b.click("Sign in")
    b.wait(lambda _: b.text("#session-scope") == "read-only", "signed in read-only")
    b.wait(lambda _: any(t.startswith("r0") for t in row_texts(b, "#ov-routes")), "read-only: routes shown")
    for name in ("overview", "routes", "remote", "trace", "daemon"):
        view(b, name)
        b.wait(lambda _: b.js("return document.querySelector('#view-%s h2') !== null" % name), f"{name} rendered")
        found = b.changing_controls()
        check(not found, f"read-only {name}: no control that changes anything ({found})")
    view(b, "routes")
    b.wait(lambda _: any(t.startswith("r0") for t in row_texts(b, "#routes-table")), "read-only: route table")
    shot(b, "read-only")
    b.js("window.cardroute.removeRoute('r0')")
    b.wait(lambda _: "403" in b.text("#notice") and "read-only" in b.text("#notice"),
           "a change tried by hand: the page says 403, read-only")
    check(rest(d, "GET", "/api/v1/routes/r0", token=ADMIN)[0] == 200, "the route is still there")
    st, body = rest(d, "GET", "/metrics", token=READ)
    check(st == 200 and 'cardroute_rest_auth_refused_total{reason="scope"} 1' in body,
          "metrics count the refused change")
    check(d.stop() == 0, "token daemon stops cleanly")


def main():
    require()
    os.makedirs(SHOT_DIR, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cr-console-") as tmp:
        pc = pcscd.Pcscd(tmp)
        with pc:
            rest_port = free_port()  # the restarted daemon serves the open page again
            d = start(tmp, "first", ini(tmp, pc, rest_port))
            b = Browser()
            try:
                overview_and_routes(b, d)
                trace(b, d, pc)
                remote_and_xss(b, d)
                slot_state(b, pc)
                daemon_view(b, d)
                d = restart(b, tmp, pc, d, rest_port)
                check(d.stop() == 0, "second daemon stops cleanly")
                read_only(b, tmp, pc)
            finally:
                b.quit()
                d.stop()
    finish()


if __name__ == "__main__":
    main()
