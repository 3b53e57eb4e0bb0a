#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check-docs.py fails for an undocumented key (direct call or through a
wrapper, missing from the man page or the INI) and passes once it is there."""
import os
import subprocess
import sys
import tempfile

CHECK = sys.argv[1]
failures = []

PLUGIN = """static gboolean
get_small(CrConfigSection *section, const gchar *key, guint *out, GError **error)
{ return TRUE; }
static void f(CrConfigSection *s) {
	g_autofree gchar *a = cr_config_section_get_string(s, "alpha", NULL);
	get_small(s, "beta", &x, NULL);
}
"""


def tree(tmp, page, ini):
    for d in ("core", "plugins/backend-example", "docs", "data"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    with open(os.path.join(tmp, "plugins/backend-example/plugin.c"), "w") as f:
        f.write(PLUGIN)
    with open(os.path.join(tmp, "core/core.c"), "w") as f:
        f.write('cr_config_section_get_int(rs,\n\t"gamma", 1, 0, 2, &v, error);\n')
    with open(os.path.join(tmp, "docs/cardroute.ini.5.scd"), "w") as f:
        f.write(page)
    with open(os.path.join(tmp, "data/cardroute.ini"), "w") as f:
        f.write(ini)
    return subprocess.run([sys.executable, CHECK, tmp], capture_output=True, text=True)


def case(page, ini, ok, what):
    with tempfile.TemporaryDirectory() as tmp:
        r = tree(tmp, page, ini)
    good = (r.returncode == 0) == ok
    print(("ok: " if good else "FAIL: ") + what + "\n  " + r.stdout.strip().replace("\n", "\n  "))
    if not good:
        failures.append(what)


FULL = "# R\n*gamma* = 1\n# PLUGINS\n## backend-example\n*alpha* = x\n*beta* = y\n"
INI = "#gamma = 1\n[backend:x]\n#alpha =\n#beta = 0\n"
case(FULL, INI, True, "everything documented passes")
case(FULL.replace("*beta*", "beta"), INI, False, "a wrapper's key missing from the page fails")
case(FULL.replace("*alpha*", "alpha"), INI, False, "a direct key missing from the page fails")
case(FULL.replace("*gamma*", "gamma"), INI, False, "a core key missing from the page fails")
case(FULL, INI.replace("#alpha =\n", ""), False, "a key missing from the INI fails")
case(FULL.replace("## backend-example", "## backend-other"), INI, False,
     "a plugin without its subsection fails")
case("# R\n*gamma* = 1\n## backend-other\n*alpha* *beta*\n## backend-example\n", INI, False,
     "keys documented under another plugin do not count")
if failures:
    sys.exit(1)
