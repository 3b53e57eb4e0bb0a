// SPDX-License-Identifier: GPL-2.0-or-later
/* The daemon's part of configuration: [router] keys that are not the core's. */
#define G_LOG_DOMAIN "cardroute"

#include "cr-daemon.h"
#include "cr-log.h"

gboolean
cr_daemon_load(CrRouter *router, const gchar *path, gint64 *shutdown_grace_ms, GError **error)
{
	CrConfigSection *rs;
	if (!cr_router_load_config(router, path, error))
		return FALSE;
	rs = cr_router_get_router_section(router);
	if (!cr_config_section_get_int(rs, "shutdown-timeout", 5000, 0, 600000, shutdown_grace_ms,
				       error))
		return FALSE;
	if (!cr_log_load_config(rs, error))
		return FALSE;
	return cr_router_check_router_section(router, error);
}
