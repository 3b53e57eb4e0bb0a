#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every INI key the code reads is documented.

Scans core/ and plugins/*/ for cr_config_section_get_*() calls (and
cr_config_section_has_key()) with a literal key, and for calls of the
folder's own wrappers (a function whose parameters start with a
CrConfigSection * and a const gchar *: the key) with a literal key, and
requires each key:
- in docs/cardroute.ini.5.scd as "*key*", for a plugin inside its own
  "## FOLDER" subsection (FOLDER: the plugin's folder, e.g. backend-vcard),
  for the core anywhere in the page;
- in data/cardroute.ini as "key =" or "#key =" (the installed, commented INI).
A shared library folder (SHARED below) reads keys on behalf of the plugins
that use it: its keys must be in each of their subsections.
A plugin that reads keys and has no subsection fails too. See
docs/README.md ("Documenting a plugin's keys").

Usage: check-docs.py SOURCE_ROOT"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
CALL = re.compile(r"cr_config_section_(?:get_(?:string|required|int|bool|choice|hex|host_port"
                  r"|list)|has_key)\s*\(\s*[^,()]+,\s*\"([A-Za-z0-9_.-]+)\"", re.S)


WRAPPER = re.compile(r"^(\w+)\s*\(\s*CrConfigSection\s*\*\s*\w+\s*,\s*const\s+gchar\s*\*\s*\w+",
                     re.M)


# library folder -> the plugin folders whose sections its keys belong to
SHARED = {"rspro": ["backend-remote", "frontend-rspro", "server-rspro"]}


def keys_in(folder):
    texts = {}
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(".c"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    texts[path] = f.read()
    wrappers = {m.group(1) for t in texts.values() for m in WRAPPER.finditer(t)}
    calls = [CALL] + [re.compile(r"\b" + w + r"\s*\(\s*[^,()]+,\s*\"([A-Za-z0-9_.-]+)\"", re.S)
                      for w in sorted(wrappers)]
    found = {}
    for path, text in texts.items():
        for call in calls:
            for m in call.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.setdefault(m.group(1), f"{os.path.relpath(path, ROOT)}:{line}")
    return found


def subsections(page):
    """'## NAME ...' heading -> its text up to the next heading."""
    out, name, buf = {}, None, []
    for line in page.split("\n"):
        if line.startswith("#"):
            if name is not None:
                out[name] = "\n".join(buf)
            m = re.match(r"^##\s+(\S+)", line)
            name, buf = (m.group(1) if m else None), []
        elif name is not None:
            buf.append(line)
    if name is not None:
        out[name] = "\n".join(buf)
    return out


def main():
    with open(os.path.join(ROOT, "docs", "cardroute.ini.5.scd"), encoding="utf-8") as f:
        page = f.read()
    with open(os.path.join(ROOT, "data", "cardroute.ini"), encoding="utf-8") as f:
        ini = f.read()
    sections = subsections(page)
    problems, checked = [], 0

    def need(key, where, text, what):
        if not re.search(r"\*" + re.escape(key) + r"\*", text):
            problems.append(f"{where}: key '{key}' is not documented in {what}")
        if not re.search(r"^#?\s*" + re.escape(key) + r"\s*=", ini, re.M):
            problems.append(f"{where}: key '{key}' is not in data/cardroute.ini "
                            "(add it, commented, with its default)")

    for key, where in sorted(keys_in(os.path.join(ROOT, "core")).items()):
        checked += 1
        need(key, where, page, "docs/cardroute.ini.5.scd")
    plugins = os.path.join(ROOT, "plugins")
    for folder in sorted(os.listdir(plugins)):
        if not os.path.isdir(os.path.join(plugins, folder)):
            continue
        if folder in SHARED:
            continue
        keys = keys_in(os.path.join(plugins, folder))
        for lib, users in SHARED.items():
            if folder in users:
                keys.update(keys_in(os.path.join(plugins, lib)))
        if not keys:
            continue
        if folder not in sections:
            problems.append(f"plugins/{folder}: reads {len(keys)} keys but "
                            f"docs/cardroute.ini.5.scd has no '## {folder}' subsection")
            continue
        for key, where in sorted(keys.items()):
            checked += 1
            need(key, where, sections[folder], f"'## {folder}' of docs/cardroute.ini.5.scd")
    for p in problems:
        print("FAIL:", p)
    print(f"{checked} keys checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


main()
