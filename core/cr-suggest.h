// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The candidate closest to @word by edit distance, if close enough to be a
 * typo of it (at most 2 edits, fewer for short words); NULL otherwise. */
const gchar *cr_suggest_closest(const gchar *word, const gchar *const *candidates, guint n);

/* " (did you mean 'X'?)" or "" for appending to a message. */
gchar *cr_suggest_hint(const gchar *word, const gchar *const *candidates, guint n);

/* @names (NULL-terminated or @n items) sorted and joined with ", ". */
gchar *cr_suggest_join_sorted(const gchar *const *names, guint n);

G_END_DECLS
