// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cardroute.h"

G_BEGIN_DECLS

/* Loads @path into @router with the daemon's own [router] keys. */
gboolean cr_daemon_load(CrRouter *router, const gchar *path, gint64 *shutdown_grace_ms,
			GError **error);

G_END_DECLS
