#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`meson install` into a DESTDIR puts everything where a Debian server
expects it, and the installed daemon accepts the installed INI; an
out-of-tree plugin builds against the installed headers and pkg-config
file and loads into the installed daemon.

Usage: test-install.py BUILD_DIR SOURCE_DIR PREFIX SBINDIR BINDIR LIBDIR SYSCONFDIR
       INCLUDEDIR MANDIR PLUGIN_INSTALL_DIR UNIT_DIR MAN_PAGES(comma separated) CC"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

(BUILD, SRC, PREFIX, SBINDIR, BINDIR, LIBDIR, SYSCONFDIR, INCLUDEDIR, MANDIR, PLUGINDIR,
 UNITDIR, MANS, CC) = sys.argv[1:14]
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def under(dest, d):
    """A meson install_dir (absolute, or relative to the prefix) in DESTDIR."""
    return os.path.join(dest, os.path.join(PREFIX, d).lstrip("/"))


def main():
    with tempfile.TemporaryDirectory() as dest:
        r = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", dest, "--no-rebuild",
                            "--quiet"], capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, "meson install --destdir: " + r.stderr.strip()[-300:])
        if r.returncode != 0:
            return
        daemon = os.path.join(under(dest, SBINDIR), "cardrouted")
        check(os.access(daemon, os.X_OK), f"cardrouted in sbin ({SBINDIR})")
        if os.path.exists(os.path.join(BUILD, "tools", "cardroutectl")):
            check(os.access(os.path.join(under(dest, BINDIR), "cardroutectl"), os.X_OK),
                  "cardroutectl in bin")
        libdir = under(dest, LIBDIR)
        check(os.path.exists(os.path.join(libdir, "libcardroute.so.1")), "libcardroute.so.1")
        pc = os.path.join(libdir, "pkgconfig", "cardroute-1.pc")
        check(os.path.exists(pc), "cardroute-1.pc")
        check(os.path.exists(os.path.join(under(dest, INCLUDEDIR), "cardroute-1", "cardroute",
                                          "cardroute.h")), "public headers")
        plugins = under(dest, PLUGINDIR)
        check("cardroute-1/plugins" in PLUGINDIR and LIBDIR in PLUGINDIR,
              f"a versioned plugin directory under the libdir ({PLUGINDIR})")
        built = {os.path.basename(p) for p in glob.glob(os.path.join(BUILD, "plugins", "*", "*.so"))}
        installed = set(os.listdir(plugins)) if os.path.isdir(plugins) else set()
        check(built and built == installed, f"every plugin module installed: {sorted(installed)}")
        ini = os.path.join(under(dest, SYSCONFDIR), "cardroute", "cardroute.ini")
        check(os.path.exists(ini), "the INI in sysconfdir/cardroute")
        unit = os.path.join(dest, UNITDIR.lstrip("/"), "cardroute.service")
        check(os.path.exists(unit), f"cardroute.service in {UNITDIR}")
        if os.path.exists(unit):
            with open(unit) as f:
                text = f.read()
            check(f"ExecStart={os.path.join(PREFIX, SBINDIR)}/cardrouted" in text,
                  "the unit starts the installed daemon")
        for page in [p for p in MANS.split(",") if p]:
            path = os.path.join(under(dest, MANDIR), "man" + page.rsplit(".", 1)[1], page)
            ok = os.path.exists(path)
            if ok:
                with open(path) as f:
                    ok = ".TH" in f.read()
            check(ok, f"man page {page}")
        if os.path.exists(os.path.join(SRC, "data", "99-cardroute-simtrace2.rules")):
            rules = os.path.join(dest, os.path.dirname(os.path.dirname(UNITDIR)).lstrip("/"),
                                 "udev", "rules.d", "99-cardroute-simtrace2.rules")
            check(os.path.exists(rules), "udev rules")

        env = dict(os.environ, LD_LIBRARY_PATH=libdir)
        r = subprocess.run([daemon, "--plugin-dir", plugins, "--check-config", ini],
                           capture_output=True, text=True, timeout=60, env=env)
        print(r.stdout + r.stderr)
        check(r.returncode == 0, "the installed cardrouted accepts the installed INI")
        check("(plugin vcard)" in r.stdout, "... with the installed vcard plugin")

        # an out-of-tree plugin, built from the installed files only
        cc = shutil.which(CC) or shutil.which("cc")
        pkgconfig = shutil.which("pkg-config")
        if cc is None or pkgconfig is None:
            print("skip: out-of-tree plugin (no compiler or pkg-config)")
            return
        penv = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc))
        r = subprocess.run([pkgconfig, "--cflags", "--libs", "cardroute-1"],
                           capture_output=True, text=True, env=penv)
        check(r.returncode == 0, "pkg-config finds the installed cardroute-1")
        flags = ["-L" + libdir]  # pkg-config leaves out system directories
        for flag in r.stdout.split():
            # the installed tree stands in DESTDIR: -I/-L into it where it has them
            if flag[:2] in ("-I", "-L") and os.path.isdir(os.path.join(dest, flag[2:].lstrip("/"))):
                flag = flag[:2] + os.path.join(dest, flag[2:].lstrip("/"))
            flags.append(flag)
        check(any(f.startswith("-I" + dest) for f in flags), "its -I is the installed headers")
        r2 = subprocess.run([pkgconfig, "--variable=plugindir", "cardroute-1"],
                            capture_output=True, text=True, env=penv)
        check(r2.stdout.strip().endswith(PLUGINDIR.split(LIBDIR, 1)[-1]),
              "pkg-config names the plugin directory: " + r2.stdout.strip())
        mod = os.path.join(dest, "echo.so")
        c = subprocess.run([cc, "-shared", "-fPIC", "-o", mod,
                            os.path.join(SRC, "tests", "plugins", "backend-echo", "echo-plugin.c"),
                            *flags, "-Wl,--allow-shlib-undefined"],
                           capture_output=True, text=True, timeout=120)
        check(c.returncode == 0, "an out-of-tree plugin compiles: " + c.stderr[-500:])
        oot = os.path.join(dest, "oot.ini")
        with open(oot, "w") as f:
            f.write("[backend:card]\nplugin = echo\natr = 3B 02 14 50\n")
        r = subprocess.run([daemon, "--plugin-dir", plugins + ":" + dest, "--check-config", oot],
                           capture_output=True, text=True, timeout=60, env=env)
        check(r.returncode == 0 and "(plugin echo)" in r.stdout,
              "the installed daemon loads it: " + r.stderr.strip())


main()
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
