#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every INI key the code reads is documented.

Scans core/ and plugins/*/ for cr_config_section_get_*() calls (and
cr_config_section_has_key()) with a literal key, and for calls of
wrappers (a function with a CrConfigSection * parameter followed by a
const gchar *: the key) with a literal key there. A folder's wrappers are
seen in it, a shared library's also in the plugins that use it. It
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


DEFINITION = re.compile(r"^(\w+)\s*\(([^;{]*?)\)\s*\{", re.M)


# library folder -> the plugin folders whose sections its keys belong to
SHARED = {"rspro": ["backend-remote", "frontend-rspro", "server-rspro"]}


def sources(folder):
    texts = {}
    for dirpath, _, files in os.walk(folder):
        for name in sorted(files):
            if name.endswith(".c"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    texts[path] = f.read()
    return texts


def wrappers_in(texts):
    """function name -> the index of its key parameter"""
    out = {}
    for text in texts.values():
        for m in DEFINITION.finditer(text):
            params = [p.strip() for p in m.group(2).split(",")]
            for i in range(len(params) - 1):
                if (re.match(r"(const\s+)?CrConfigSection\s*\*", params[i])
                        and re.match(r"const\s+gchar\s*\*", params[i + 1])):
                    out[m.group(1)] = i + 1
                    break
    return out


def call_args(text, start):
    """the arguments of the call whose "(" is at @start, as text"""
    depth, args, buf, i = 0, [], [], start
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            buf.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(buf).strip())
                return args
        elif c == "," and depth == 1:
            args.append("".join(buf).strip())
            buf = []
            i += 1
            continue
        buf.append(c)
        i += 1
    return args


def keys_in(folder, extra_wrappers=None):
    texts = sources(folder)
    wrappers = wrappers_in(texts)
    wrappers.update(extra_wrappers or {})
    found = {}

    def add(key, path, text, pos):
        line = text.count("\n", 0, pos) + 1
        found.setdefault(key, f"{os.path.relpath(path, ROOT)}:{line}")

    for path, text in texts.items():
        for m in CALL.finditer(text):
            add(m.group(1), path, text, m.start())
        for name, index in wrappers.items():
            for m in re.finditer(r"\b" + name + r"\s*\(", text):
                if DEFINITION.match(text, m.start()):
                    continue
                args = call_args(text, m.end() - 1)
                if index < len(args):
                    lit = re.fullmatch(r'"([A-Za-z0-9_.-]+)"', args[index])
                    if lit:
                        add(lit.group(1), path, text, m.start())
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
        libs = [lib for lib, users in SHARED.items() if folder in users]
        shared_wrappers = {}
        for lib in libs:
            shared_wrappers.update(wrappers_in(sources(os.path.join(plugins, lib))))
        keys = keys_in(os.path.join(plugins, folder), shared_wrappers)
        for lib in libs:
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
