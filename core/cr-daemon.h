// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "cardroute/cardroute.h"
#include "control/cr-control.h"

G_BEGIN_DECLS

/* Loads @path into @router with the daemon's own [router] keys: the
 * shutdown grace and the control plane's (made, not started, in
 * *@control_out). */
gboolean cr_daemon_load(CrRouter *router, const gchar *path, const gchar *default_state_dir,
			gint64 *shutdown_grace_ms, CrControl **control_out, GError **error);

G_END_DECLS
