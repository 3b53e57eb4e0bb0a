// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The INI dialect of cardroute.ini(5), read into a GKeyFile:
 *
 * - "[SECTION]" headers, "KEY = VALUE" lines, blank lines;
 * - comments start with ';' or '#', on a line of their own or after a value
 *   (then preceded by a blank, so "a#b" stays a value), never inside a value
 *   in double quotes ("a ; b" keeps its ';'; \" and \\ escape in quotes);
 * - values are taken literally otherwise: no GKeyFile escapes, no lists;
 * - a section or a key given twice is an error naming both lines.
 *
 * @lines (optional) receives "SECTION" and "SECTION\037KEY" -> line number
 * (GUINT_TO_POINTER), for error messages that say where. Every problem of
 * the text is reported, one per line of the error message, each starting
 * "FILE:LINE: ".
 */
gboolean cr_ini_parse(const gchar *data, gsize len, const gchar *file, GKeyFile *keyfile,
                      GHashTable *lines, GError **error);

/* The line of @group (when @key is NULL) or of @key in it; 0 if unknown. */
guint cr_ini_lookup_line(GHashTable *lines, const gchar *group, const gchar *key);

/* A new table for cr_ini_parse(). */
GHashTable *cr_ini_lines_new(void);

G_END_DECLS
