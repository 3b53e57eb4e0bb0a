// SPDX-License-Identifier: GPL-2.0-or-later
/* SIGHUP: re-read the configuration of the running daemon. */
#define G_LOG_DOMAIN "cardroute"

#include "cr-notify.h"
#include "cr-sighup.h"

gboolean
cr_daemon_reload(CrRouter *router)
{
	g_autoptr(GError) error = NULL;
	gboolean ok;
	if (cr_router_is_shutting_down(router)) {
		g_message("SIGHUP during shutdown: ignored");
		return FALSE;
	}
	g_message("SIGHUP: reloading the configuration");
	cr_notify_reloading();
	ok = cr_router_reload_config(router, &error);
	if (ok)
		g_message("configuration reloaded");
	else
		g_warning("reload refused, the running configuration stays: %s", error->message);
	cr_notify_ready(ok ? "running (configuration reloaded)"
	                   : "running (last reload refused: see the log)");
	return ok;
}
