# SPDX-License-Identifier: GPL-2.0-or-later
"""Headless Chromium (Debian's chromium, chromium-driver, python3-selenium)
for the console tests: start it with a fresh profile, find controls by their
label as a screen reader does, wait for DOM conditions (WebDriverWait), read
the browser's console log. Exits 77 (skip) when a part is missing."""
import os
import shutil
import sys
import tempfile

from crtest import check

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoAlertPresentException,
                                            StaleElementReferenceException, TimeoutException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    webdriver = None


def require():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    if webdriver is None:
        missing.append("python3-selenium")
    if missing:
        print(f"SKIP: not installed: {', '.join(missing)} (Debian chromium, chromium-driver, "
              "python3-selenium)", flush=True)
        sys.exit(77)


class Browser:
    def __init__(self, width=1400, height=1000):
        require()
        self.profile = tempfile.mkdtemp(prefix="cr-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-extensions",
                    f"--window-size={width},{height}", f"--user-data-dir={self.profile}"):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
        self.log = []

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def get(self, url):
        self.driver.get(url)

    # --- waiting -------------------------------------------------------------

    def wait(self, cond, what, limit=15.0):
        """Waits for cond(driver) to be truthy (DOM polled by WebDriverWait)."""
        try:
            # the page rebuilds tables as data comes: an element found
            # a moment ago may be gone, then look again
            value = WebDriverWait(self.driver, limit, poll_frequency=0.05,
                                  ignored_exceptions=[StaleElementReferenceException]).until(
                lambda d: cond(d))
            check(True, what)
            return value
        except TimeoutException:
            check(False, what)
            return None

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # --- finding things the way a user names them ------------------------------

    def by_label(self, text):
        """The control a <label> with exactly this visible text is for."""
        labels = self.driver.find_elements(By.XPATH, f"//label[normalize-space()={xpath_str(text)}]")
        for label in labels:
            target = label.get_attribute("for")
            if target and label.is_displayed():
                found = self.driver.find_elements(By.ID, target)
                if found:
                    return found[0]
        return None

    def button(self, text):
        found = [b for b in self.driver.find_elements(
            By.XPATH, f"//button[normalize-space()={xpath_str(text)}]") if b.is_displayed()]
        return found[0] if found else None

    def click(self, text):
        """Clicks the button named text; tables are rebuilt as data comes, so
        a button found a moment ago may be replaced: then find it again."""
        def attempt(_):
            el = self.button(text)
            if el is None:
                return False
            el.click()
            return True
        return self.wait(attempt, f"clicked '{text}'")

    def select(self, label, visible_text_prefix):
        el = self.by_label(label)
        sel = Select(el)
        for opt in sel.options:
            if opt.text.startswith(visible_text_prefix):
                sel.select_by_visible_text(opt.text)
                return True
        return False

    def text(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else ""

    def alert_open(self):
        try:
            self.driver.switch_to.alert
            return True
        except NoAlertPresentException:
            return False

    def console_errors(self):
        """Browser console records of level SEVERE since the last call."""
        entries = self.driver.get_log("browser")
        self.log.extend(entries)
        return [e for e in entries if e.get("level") == "SEVERE"]

    def screenshot(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.driver.save_screenshot(path)

    def controls_unlabelled(self):
        """Visible controls whose accessible name is not their visible text
        (a <label for> or the button's own text; aria-label, when present,
        must equal it)."""
        return self.js("""
            const bad = [];
            const shown = el => el.offsetParent !== null || el.getClientRects().length > 0;
            for (const el of document.querySelectorAll('input, select, textarea, button, a[href]')) {
              if (!shown(el) || el.type === 'hidden') continue;
              const aria = el.getAttribute('aria-label');
              let visible;
              if (el.matches('button, a')) {
                visible = el.textContent.trim();
              } else {
                const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
                visible = label ? label.textContent.trim() : '';
              }
              if (!visible || (aria !== null && aria.trim() !== visible))
                bad.push(el.outerHTML.slice(0, 120));
              if (el.tabIndex < 0 || el.getAttribute('tabindex') > 0)
                bad.push('not in the tab order: ' + el.outerHTML.slice(0, 120));
            }
            return bad;""")

    def changing_controls(self):
        """Visible controls that could change something in the daemon: every
        form control and button but the trace's own and sign-out."""
        return self.js("""
            const harmless = new Set(['trace-route', 'trace-pause', 'trace-clear', 'login-token']);
            const out = [];
            for (const el of document.querySelectorAll('form, input, select, textarea, button')) {
              if (harmless.has(el.id)) continue;
              if (el.matches('button') && el.textContent.trim() === 'Sign out') continue;
              if (el.closest('#login') || el.closest('template')) continue;
              out.push(el.outerHTML.slice(0, 100));
            }
            return out;""")


def xpath_str(text):
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"
