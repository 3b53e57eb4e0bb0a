#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""No relative link of the product docs is dead, and none leaves the tree.

Checks README.md, docs/*.md, plugins/*/README.md, tests/*/README.md and
data/*.md: every Markdown link [text](TARGET) and every `path` in backticks
that names a .md file or a path into the tree (a link by another name)
must resolve, relative to the
file (or, for backticked paths, to the source root), to a file in the tree.
Product docs never point into ../shared/ or protocols/ (not part of the
tree).

usage: check-links.py SOURCE_ROOT
"""
import glob
import os
import re
import sys

ROOT = os.path.realpath(sys.argv[1])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
TICKED_MD = re.compile(r"`([A-Za-z0-9_./-]+\.md)`")
# a backticked path into the tree, as `data/rspro.asn` or `plugins/rspro/`
TICKED_TREE = re.compile(
    r"`((?:core|plugins|data|docs|tests|tools|firmware|debian)/[A-Za-z0-9_./-]*)`")
failures = []


def check_target(doc, lineno, target, base):
    if re.match(r"^[a-z]+:", target) or target.startswith("#"):
        return
    path = target.split("#", 1)[0]
    if not path:
        return
    if "../shared" in path or path.startswith("protocols/"):
        failures.append(f"{doc}:{lineno}: '{target}' points outside the product tree")
        return
    full = os.path.realpath(os.path.join(base, path))
    if not full.startswith(ROOT + os.sep) and full != ROOT:
        failures.append(f"{doc}:{lineno}: '{target}' points outside the source tree")
    elif not os.path.exists(full):
        failures.append(f"{doc}:{lineno}: '{target}' does not exist")


def main():
    docs = ([os.path.join(ROOT, "README.md")]
            + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
            + sorted(glob.glob(os.path.join(ROOT, "docs", "*.scd")))
            + sorted(glob.glob(os.path.join(ROOT, "plugins", "*", "README.md")))
            + sorted(glob.glob(os.path.join(ROOT, "tests", "*", "README.md")))
            + sorted(glob.glob(os.path.join(ROOT, "data", "*.md"))))
    n = 0
    for doc in docs:
        rel = os.path.relpath(doc, ROOT)
        with open(doc, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                for m in LINK.finditer(line):
                    check_target(rel, lineno, m.group(1), os.path.dirname(doc))
                    n += 1
                for m in TICKED_TREE.finditer(line):
                    target = m.group(1)
                    if "*" in target or target.endswith(".md") or re.search(r"[A-Z]{3,}", target):
                        continue
                    if not (os.path.exists(os.path.join(ROOT, target))
                            or os.path.exists(os.path.join(os.path.dirname(doc), target))):
                        failures.append(f"{rel}:{lineno}: `{target}` is not in the tree")
                    n += 1
                for m in TICKED_MD.finditer(line):
                    target = m.group(1)
                    # a backticked .md path: relative to the file or the root
                    if (os.path.exists(os.path.join(os.path.dirname(doc), target))
                            or os.path.exists(os.path.join(ROOT, target))):
                        if "../shared" in target or target.startswith("protocols/"):
                            check_target(rel, lineno, target, ROOT)
                        continue
                    check_target(rel, lineno, target, ROOT)
                    n += 1
    for f in failures:
        print("FAIL " + f)
    print(f"{len(docs)} documents, {n} links, {len(failures)} dead or outside")
    sys.exit(1 if failures else 0)


main()
