// SPDX-License-Identifier: GPL-2.0-or-later
/* "Did you mean": the closest known name to a word that is not one. */
#define G_LOG_DOMAIN "cardroute"

#include <string.h>

#include "cr-suggest.h"

static guint
edit_distance(const gchar *a, const gchar *b)
{
	gsize la = strlen(a), lb = strlen(b);
	g_autofree guint *row = NULL;
	if (la > 64 || lb > 64)
		return G_MAXUINT;
	row = g_new(guint, lb + 1);
	for (gsize j = 0; j <= lb; j++)
		row[j] = (guint)j;
	for (gsize i = 1; i <= la; i++) {
		guint diag = row[0];
		row[0] = (guint)i;
		for (gsize j = 1; j <= lb; j++) {
			guint up = row[j];
			guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
			guint best = MIN(row[j] + 1, row[j - 1] + 1);
			row[j] = MIN(best, diag + cost);
			diag = up;
		}
	}
	return row[lb];
}

const gchar *
cr_suggest_closest(const gchar *word, const gchar *const *candidates, guint n)
{
	const gchar *best = NULL;
	guint best_d = G_MAXUINT;
	guint limit = strlen(word) <= 3 ? 1 : 2;
	for (guint i = 0; i < n && candidates[i] != NULL; i++) {
		guint d = edit_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

gchar *
cr_suggest_hint(const gchar *word, const gchar *const *candidates, guint n)
{
	const gchar *c = cr_suggest_closest(word, candidates, n);
	return c != NULL ? g_strdup_printf(" (did you mean '%s'?)", c) : g_strdup("");
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

gchar *
cr_suggest_join_sorted(const gchar *const *names, guint n)
{
	g_autoptr(GPtrArray) sorted = g_ptr_array_new();
	for (guint i = 0; i < n && names[i] != NULL; i++)
		g_ptr_array_add(sorted, (gpointer)names[i]);
	g_ptr_array_sort(sorted, cmp_str);
	g_ptr_array_add(sorted, NULL);
	return g_strjoinv(", ", (gchar **)sorted->pdata);
}
