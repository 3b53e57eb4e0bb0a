// SPDX-License-Identifier: GPL-2.0-or-later
/* Reader selection: the first reader name a POSIX extended regex finds
 * (unanchored, like osmo-remsim-bankd's bankd_pcsc_slots.csv). */
#pragma once

#include <glib.h>
#include <regex.h>

G_BEGIN_DECLS

/* Compiles @pattern (REG_EXTENDED); on error returns FALSE with *message set. */
gboolean pcsc_match_compile(regex_t *regex, const gchar *pattern, gchar **message);
/* First name in the PC/SC multi-string @readers (names separated by NUL,
 * ended by an empty name; @len bytes at most) that @regex finds; NULL if none. */
const gchar *pcsc_match_reader(const regex_t *regex, const gchar *readers, gsize len);

G_END_DECLS
