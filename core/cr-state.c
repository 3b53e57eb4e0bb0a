// SPDX-License-Identifier: GPL-2.0-or-later
#define G_LOG_DOMAIN "cardroute"

#include <errno.h>

#include <glib/gstdio.h>

#include "cardroute/cr-state.h"

void
cr_state_file_move_aside(const gchar *path, const gchar *why, const gchar *consequence)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
	g_autofree gchar *aside = g_strdup_printf("%s.corrupt-%s", path, stamp);
	if (g_rename(path, aside) == 0)
		g_warning("%s: %s; moved aside to %s, %s", path, why, aside, consequence);
	else
		g_warning("%s: %s; cannot move it aside (%s), %s", path, why, g_strerror(errno),
			  consequence);
}
