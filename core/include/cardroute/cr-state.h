// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A state file that cannot be used (corrupt, unreadable) is never fatal: it
 * is renamed to PATH.corrupt-YYYYMMDDTHHMMSSZ and a warning says @why and
 * what follows (@consequence, e.g. "starting without stored routes"). */
void cr_state_file_move_aside(const gchar *path, const gchar *why, const gchar *consequence);

G_END_DECLS
