#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every example configuration in the docs is checked by `cardrouted
--check-config`: each fenced ```ini block of README.md, plugins/*/README.md
and docs/*.md, and each fenced block of docs/*.scd that starts with a
[section], plus data/cardroute.ini. A block that is a virtual card profile
(a [card], [pin:], [auth], [file:] or [adf:] section first) is checked
through a vcard backend that loads it.

Files an example names but the tree does not hold get a placeholder in the
directory of the checked file (relative paths resolve there): a copy of
data/vcard/ for profiles, a one-line bankd CSV, a token. Absolute paths
are rewritten into that directory the same way.

usage: check-examples.py SOURCE_ROOT CARDROUTED PLUGIN_DIR
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT, CARDROUTED, PLUGIN_DIR = sys.argv[1:4]
PROFILE_SECTIONS = re.compile(r"^\[(card|pin:|auth|file:|adf:)")
# placeholder contents by key
PLACEHOLDERS = {
    "slots-csv": '"1","0","^Placeholder Reader 00 00$"\n',
    "rest-token-file": "placeholder-token\n",
    "token-file": "admin placeholder-token-0123456789\n",
}
failures = []


def make_pki():
    """A real CA, certificate and key (tools/make-test-pki.sh) for the tls-*
    keys: GIO loads them at --check-config."""
    d = tempfile.mkdtemp(prefix="cr-examples-pki-")
    subprocess.run([os.path.join(ROOT, "tools", "make-test-pki.sh"), d, "lab=rspro:server"],
                   check=True, timeout=120)
    for key, name in (("tls-ca", "ca.pem"), ("tls-cert", "lab.pem"), ("tls-key", "lab.key")):
        with open(os.path.join(d, name)) as f:
            PLACEHOLDERS[key] = f.read()
    shutil.rmtree(d)


make_pki()


def blocks(path):
    """(first line number, text) of each example block of @path."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i + 1
        j = start
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            j += 1
        body = "\n".join(lines[start:j]) + "\n"
        first = next((l.strip() for l in lines[start:j] if l.strip()), "")
        if lang == "ini" or (path.endswith(".scd") and lang == "" and first.startswith("[")):
            yield start + 1, body
        i = j + 1


def with_placeholders(text, tmp):
    """@text with files it names made to exist inside @tmp."""
    out = []
    for line in text.split("\n"):
        m = re.match(r"^(\s*)([A-Za-z0-9_.-]+)(\s*=\s*)(\S+)(.*)$", line)
        if m and (m.group(2) in PLACEHOLDERS or m.group(2) == "profile"):
            key, value = m.group(2), m.group(4).strip('"')
            if os.path.isabs(value) and value.startswith(tmp):
                out.append(line)
                continue
            rel = value.lstrip("/")
            dest = os.path.join(tmp, rel)
            if not os.path.exists(dest):
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                if key == "profile":
                    shutil.copy(os.path.join(ROOT, "data", "vcard", "default.ini"), dest)
                else:
                    with open(dest, "w") as f:
                        f.write(PLACEHOLDERS[key])
                    os.chmod(dest, 0o600)  # as the docs say for secrets
            line = f"{m.group(1)}{key}{m.group(3)}{dest}{m.group(5)}"
        out.append(line)
    return "\n".join(out)


def check(where, text):
    with tempfile.TemporaryDirectory() as tmp:
        first = next((l.strip() for l in text.split("\n")
                      if l.strip() and l.strip()[0] not in ";#"), "")
        if PROFILE_SECTIONS.match(first):
            profile = os.path.join(tmp, "profile.ini")
            with open(profile, "w") as f:
                f.write(text)
            text = f"[backend:card]\nplugin = vcard\nprofile = {profile}\n"
        ini = os.path.join(tmp, "example.ini")
        with open(ini, "w") as f:
            f.write(with_placeholders(text, tmp))
        r = subprocess.run([CARDROUTED, "--plugin-dir", PLUGIN_DIR, "--check-config", ini],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            failures.append(f"{where}: the example does not pass --check-config:\n"
                            + r.stderr.replace(ini, "(example)"))
        elif r.stderr.strip():
            failures.append(f"{where}: --check-config printed to stderr:\n{r.stderr}")
        else:
            print(f"ok {where}")


def main():
    docs = ([os.path.join(ROOT, "README.md")]
            + sorted(glob.glob(os.path.join(ROOT, "plugins", "*", "README.md")))
            + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
            + sorted(glob.glob(os.path.join(ROOT, "docs", "*.scd"))))
    n = 0
    for path in docs:
        for line, text in blocks(path):
            check(f"{os.path.relpath(path, ROOT)}:{line}", text)
            n += 1
    with open(os.path.join(ROOT, "data", "cardroute.ini"), encoding="utf-8") as f:
        check("data/cardroute.ini", f.read().replace("profile = vcard/",
                                                      f"profile = {ROOT}/data/vcard/"))
    n += 1
    if n < 10:
        failures.append(f"only {n} examples found: is the extraction broken?")
    for f in failures:
        print("FAIL " + f)
    print(f"{n} examples, {len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
